//! Dependency policy, checked on every test run (cargo-deny's `deny.toml` says the same
//! for those who run it).

/// The `rsa` crate has a timing side channel (RUSTSEC-2023-0071); RSA goes through
/// aws-lc-rs. This reads the lock file, so an indirect dependency is caught too.
#[test]
fn the_rsa_crate_is_not_in_the_dependency_graph() {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock"))
        .expect("read Cargo.lock");
    let offenders: Vec<&str> = lock
        .split("[[package]]")
        .filter(|package| package.lines().any(|line| line.trim() == "name = \"rsa\""))
        .collect();
    assert!(
        offenders.is_empty(),
        "the rsa crate is in Cargo.lock: {offenders:?}"
    );
    assert!(
        lock.contains("name = \"aws-lc-rs\""),
        "lock file not as expected"
    );
}
