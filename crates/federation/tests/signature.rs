//! HTTP signatures end to end through the public API: our own round trips, every refusal,
//! and vectors made by others (draft-cavage-12 Appendix C, RFC 9421 Appendix B, and
//! signatures computed by the OpenSSL command line over Mastodon-shaped requests).

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hamlet_core::keys::AccountKeys;
use hamlet_federation::signature::{
    CheckedSignature, DigestError, KeyError, MAX_PEM_BYTES, MAX_SIGNATURE_HEADER_BYTES,
    ParsedSignature, PrivateKey, PublicKey, SignError, SignatureError, SignatureScheme,
    VerifyPolicy, content_digest_header, digest_header, http_date, parse_http_date,
    parse_request_signature, sign_request, verify_content_digest, verify_digest_header,
};
use http::request::Parts;
use http::uri::Scheme;

// ---------------------------------------------------------------------------------------
// Fixtures

fn keys() -> &'static [(PrivateKey, PublicKey); 2] {
    static KEYS: OnceLock<[(PrivateKey, PublicKey); 2]> = OnceLock::new();
    KEYS.get_or_init(|| {
        let pair = || {
            let generated = AccountKeys::generate();
            let private = PrivateKey::from_pem(&generated.private_key_pem).unwrap();
            let public = PublicKey::from_pem(&generated.public_key_pem).unwrap();
            (private, public)
        };
        [pair(), pair()]
    })
}

fn alice() -> &'static (PrivateKey, PublicKey) {
    &keys()[0]
}

fn mallory() -> &'static (PrivateKey, PublicKey) {
    &keys()[1]
}

const KEY_ID: &str = "https://hamlet.example/users/alice#main-key";
const INBOX: &str = "https://remote.example/users/bob/inbox";
const ACTIVITY: &[u8] = br#"{"type":"Create","actor":"https://hamlet.example/users/alice"}"#;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn now() -> SystemTime {
    at(1_700_000_000)
}

fn post(uri: &str, body: &[u8]) -> http::Request<Vec<u8>> {
    http::Request::post(uri)
        .header("content-type", "application/activity+json")
        .body(body.to_vec())
        .unwrap()
}

fn get(uri: &str) -> http::Request<Vec<u8>> {
    http::Request::get(uri)
        .header("accept", "application/activity+json")
        .body(Vec::new())
        .unwrap()
}

fn signed(
    mut request: http::Request<Vec<u8>>,
    scheme: SignatureScheme,
    key: &PrivateKey,
    when: SystemTime,
) -> http::Request<Vec<u8>> {
    sign_request(&mut request, KEY_ID, key, scheme, when).unwrap();
    request
}

/// What the receiving server's router sees: the request line in origin form.
fn inbound(request: http::Request<Vec<u8>>) -> (Parts, Vec<u8>) {
    let (mut parts, body) = request.into_parts();
    parts.uri = parts
        .uri
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .parse()
        .unwrap();
    (parts, body)
}

/// A hand-made inbound request.
fn raw(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> (Parts, Vec<u8>) {
    let mut builder = http::Request::builder().method(method).uri(target);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let (parts, body) = builder.body(body.to_vec()).unwrap().into_parts();
    (parts, body)
}

fn verify_at(
    parts: &Parts,
    body: &[u8],
    key: &PublicKey,
    when: SystemTime,
    policy: &VerifyPolicy,
) -> Result<(), SignatureError> {
    parse_request_signature(parts)?.verify(key, parts, body, when, policy)
}

fn verify(parts: &Parts, body: &[u8], key: &PublicKey) -> Result<(), SignatureError> {
    verify_at(parts, body, key, now(), &VerifyPolicy::default())
}

fn header<'a>(parts: &'a Parts, name: &str) -> &'a str {
    parts.headers.get(name).unwrap().to_str().unwrap()
}

const SCHEMES: [SignatureScheme; 2] = [SignatureScheme::Cavage, SignatureScheme::Rfc9421];

// ---------------------------------------------------------------------------------------
// Round trips

#[test]
fn post_round_trips_in_both_schemes() {
    for scheme in SCHEMES {
        let (parts, body) = inbound(signed(post(INBOX, ACTIVITY), scheme, &alice().0, now()));
        let parsed = parse_request_signature(&parts).unwrap();
        assert_eq!(parsed.scheme(), scheme);
        assert_eq!(parsed.key_id(), KEY_ID);
        assert_eq!(verify(&parts, &body, &alice().1), Ok(()), "{scheme:?}");
    }
}

#[test]
fn get_round_trips_in_both_schemes() {
    for scheme in SCHEMES {
        let request = signed(
            get("https://remote.example/users/bob/outbox?page=true"),
            scheme,
            &alice().0,
            now(),
        );
        let (parts, body) = inbound(request);
        assert!(parts.headers.get("digest").is_none());
        assert!(parts.headers.get("content-digest").is_none());
        assert_eq!(verify(&parts, &body, &alice().1), Ok(()), "{scheme:?}");
    }
}

#[test]
fn cavage_post_covers_what_mastodon_requires() {
    let (parts, body) = inbound(signed(
        post(INBOX, ACTIVITY),
        SignatureScheme::Cavage,
        &alice().0,
        now(),
    ));
    let signature = header(&parts, "signature");
    let prefix = format!(
        "keyId=\"{KEY_ID}\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest content-type\",signature=\""
    );
    assert!(signature.starts_with(&prefix), "{signature}");
    assert_eq!(header(&parts, "host"), "remote.example");
    assert_eq!(header(&parts, "date"), "Tue, 14 Nov 2023 22:13:20 GMT");
    assert_eq!(header(&parts, "digest"), digest_header(&body));
    assert!(header(&parts, "digest").starts_with("SHA-256="));
}

#[test]
fn cavage_get_covers_request_target_host_date_and_accept() {
    let (parts, _) = inbound(signed(
        get("https://remote.example/users/bob"),
        SignatureScheme::Cavage,
        &alice().0,
        now(),
    ));
    let parsed = parse_request_signature(&parts).unwrap();
    assert_eq!(
        parsed.covered(),
        ["(request-target)", "host", "date", "accept"]
    );
}

#[test]
fn rfc9421_covers_method_target_uri_and_content_digest() {
    let (parts, _) = inbound(signed(
        post(INBOX, ACTIVITY),
        SignatureScheme::Rfc9421,
        &alice().0,
        now(),
    ));
    assert_eq!(
        header(&parts, "signature-input"),
        format!(
            "sig1=(\"@method\" \"@target-uri\" \"content-digest\" \"content-type\");created=1700000000;keyid=\"{KEY_ID}\";alg=\"rsa-v1_5-sha256\""
        )
    );
    assert!(header(&parts, "signature").starts_with("sig1=:"));
    assert!(header(&parts, "content-digest").starts_with("sha-256=:"));

    let (parts, _) = inbound(signed(
        get("https://remote.example/users/bob"),
        SignatureScheme::Rfc9421,
        &alice().0,
        now(),
    ));
    assert_eq!(
        parse_request_signature(&parts).unwrap().covered(),
        ["@method", "@target-uri"]
    );
}

#[test]
fn the_key_can_be_fetched_between_check_and_verify_and_refetched_once() {
    let (parts, body) = inbound(signed(
        post(INBOX, ACTIVITY),
        SignatureScheme::Cavage,
        &alice().0,
        now(),
    ));
    let parsed: ParsedSignature = parse_request_signature(&parts).unwrap();
    let checked: CheckedSignature = parsed
        .check(&parts, &body, now(), &VerifyPolicy::default())
        .unwrap();
    assert_eq!(checked.key_id(), KEY_ID);
    // A cached key that the actor has since rotated away from...
    assert_eq!(
        checked.verify(&mallory().1),
        Err(SignatureError::BadSignature)
    );
    // ...and the refetched one.
    assert_eq!(checked.verify(&alice().1), Ok(()));
    assert!(
        checked
            .signature_base()
            .starts_with(b"(request-target): post /users/bob/inbox\n")
    );
}

#[test]
fn cavage_signatures_that_leave_out_the_query_are_accepted_as_mastodon_does() {
    // What Mastodon before 4.3, Misskey and Friendica send: `get /users/bob/outbox`.
    let (mut parts, body) = inbound(signed(
        get("https://remote.example/users/bob/outbox"),
        SignatureScheme::Cavage,
        &alice().0,
        now(),
    ));
    parts.uri = "/users/bob/outbox?page=true".parse().unwrap();
    assert_eq!(verify(&parts, &body, &alice().1), Ok(()));
    // A signature that did cover a query covers that query only.
    let (mut parts, body) = inbound(signed(
        get("https://remote.example/users/bob/outbox?page=1"),
        SignatureScheme::Cavage,
        &alice().0,
        now(),
    ));
    parts.uri = "/users/bob/outbox?page=2".parse().unwrap();
    assert_eq!(
        verify(&parts, &body, &alice().1),
        Err(SignatureError::BadSignature)
    );
    parts.uri = "/users/bob/outbox".parse().unwrap();
    assert_eq!(
        verify(&parts, &body, &alice().1),
        Err(SignatureError::BadSignature)
    );
    // RFC 9421 has no such history: its target URI includes the query.
    let (mut parts, body) = inbound(signed(
        get("https://remote.example/users/bob/outbox"),
        SignatureScheme::Rfc9421,
        &alice().0,
        now(),
    ));
    parts.uri = "/users/bob/outbox?page=true".parse().unwrap();
    assert_eq!(
        verify(&parts, &body, &alice().1),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn http2_requests_without_a_host_header_use_the_uri_authority() {
    for scheme in SCHEMES {
        let (mut parts, body) =
            signed(post(INBOX, ACTIVITY), scheme, &alice().0, now()).into_parts();
        parts.headers.remove("host");
        assert_eq!(verify(&parts, &body, &alice().1), Ok(()), "{scheme:?}");
    }
}

#[test]
fn host_case_and_default_port_do_not_matter_to_rfc9421() {
    let (mut parts, body) = inbound(signed(
        post(INBOX, ACTIVITY),
        SignatureScheme::Rfc9421,
        &alice().0,
        now(),
    ));
    parts
        .headers
        .insert("host", "Remote.Example:443".parse().unwrap());
    assert_eq!(verify(&parts, &body, &alice().1), Ok(()));
}

#[test]
fn the_public_scheme_is_part_of_an_rfc9421_target_uri() {
    let request = signed(
        post("http://127.0.0.2:8080/inbox", ACTIVITY),
        SignatureScheme::Rfc9421,
        &alice().0,
        now(),
    );
    let (parts, body) = inbound(request);
    assert_eq!(header(&parts, "host"), "127.0.0.2:8080");
    let http = VerifyPolicy {
        public_scheme: Scheme::HTTP,
        ..VerifyPolicy::default()
    };
    assert_eq!(verify_at(&parts, &body, &alice().1, now(), &http), Ok(()));
    assert_eq!(
        verify(&parts, &body, &alice().1),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn multi_valued_headers_are_joined_with_comma_space() {
    let mut request = get("https://remote.example/users/bob");
    request
        .headers_mut()
        .append("accept", "application/ld+json".parse().unwrap());
    let (parts, body) = inbound(signed(request, SignatureScheme::Cavage, &alice().0, now()));
    let base = parse_request_signature(&parts)
        .unwrap()
        .signature_base(&parts, &VerifyPolicy::default())
        .unwrap();
    assert!(
        String::from_utf8(base)
            .unwrap()
            .ends_with("\naccept: application/activity+json, application/ld+json")
    );
    assert_eq!(verify(&parts, &body, &alice().1), Ok(()));
}

#[test]
fn rfc9421_is_preferred_when_both_schemes_are_present() {
    let cavage = signed(
        post(INBOX, ACTIVITY),
        SignatureScheme::Cavage,
        &alice().0,
        now(),
    );
    let cavage_value = format!(
        "Signature {}",
        cavage.headers()["signature"].to_str().unwrap()
    );
    let mut request = signed(
        post(INBOX, ACTIVITY),
        SignatureScheme::Rfc9421,
        &alice().0,
        now(),
    );
    request
        .headers_mut()
        .insert("authorization", cavage_value.parse().unwrap());
    request
        .headers_mut()
        .insert("digest", cavage.headers()["digest"].clone());
    let (parts, body) = inbound(request);
    let parsed = parse_request_signature(&parts).unwrap();
    assert_eq!(parsed.scheme(), SignatureScheme::Rfc9421);
    assert_eq!(verify(&parts, &body, &alice().1), Ok(()));
}

#[test]
fn authorization_signature_is_accepted() {
    let request = signed(
        post(INBOX, ACTIVITY),
        SignatureScheme::Cavage,
        &alice().0,
        now(),
    );
    let (mut parts, body) = inbound(request);
    let value = format!("Signature {}", header(&parts, "signature"));
    parts.headers.remove("signature");
    parts
        .headers
        .insert("authorization", value.parse().unwrap());
    assert_eq!(
        parse_request_signature(&parts).unwrap().scheme(),
        SignatureScheme::Cavage
    );
    assert_eq!(verify(&parts, &body, &alice().1), Ok(()));
}

// ---------------------------------------------------------------------------------------
// Refusals

#[test]
fn an_unsigned_request_is_not_signed() {
    let (parts, _) = raw(
        "POST",
        "/inbox",
        &[("authorization", "Bearer abc"), ("host", "h.example")],
        b"",
    );
    assert_eq!(
        parse_request_signature(&parts).unwrap_err(),
        SignatureError::NotSigned
    );
}

/// The policy runs before the key is used, so a bogus signature value is enough.
fn cavage_covering(method: &str, headers: &str, body: &[u8]) -> Result<(), SignatureError> {
    let signature =
        format!(r#"keyId="{KEY_ID}",algorithm="rsa-sha256",headers="{headers}",signature="AAAA""#);
    let (parts, body) = raw(
        method,
        "/users/bob/inbox",
        &[
            ("host", "remote.example"),
            ("date", &http_date(now())),
            ("digest", &digest_header(body)),
            ("content-type", "application/activity+json"),
            ("signature", &signature),
        ],
        body,
    );
    parse_request_signature(&parts)?
        .check(&parts, &body, now(), &VerifyPolicy::default())
        .map(|_| ())
}

#[test]
fn cavage_refuses_signatures_that_leave_out_a_required_header() {
    use SignatureError::UnsignedRequiredHeader;
    assert_eq!(
        cavage_covering("POST", "host date digest content-type", ACTIVITY),
        Err(UnsignedRequiredHeader("(request-target)"))
    );
    assert_eq!(
        cavage_covering("POST", "(request-target) date digest", ACTIVITY),
        Err(UnsignedRequiredHeader("host"))
    );
    assert_eq!(
        cavage_covering("POST", "(request-target) host digest", ACTIVITY),
        Err(UnsignedRequiredHeader("date"))
    );
    assert_eq!(
        cavage_covering("POST", "(request-target) host date content-type", ACTIVITY),
        Err(UnsignedRequiredHeader("digest"))
    );
    // A GET needs no digest, and with all the rest only the bogus signature fails.
    let (parts, body) = raw(
        "GET",
        "/users/bob",
        &[
            ("host", "remote.example"),
            ("date", &http_date(now())),
            (
                "signature",
                r#"keyId="k",headers="(request-target) host date",signature="AAAA""#,
            ),
        ],
        b"",
    );
    assert_eq!(
        verify(&parts, &body, &alice().1),
        Err(SignatureError::BadSignature)
    );
    // Without `headers`, rsa-sha256 covers only `date`.
    let (parts, body) = raw(
        "GET",
        "/users/bob",
        &[
            ("host", "remote.example"),
            ("date", &http_date(now())),
            (
                "signature",
                r#"keyId="k",algorithm="rsa-sha256",signature="AAAA""#,
            ),
        ],
        b"",
    );
    assert_eq!(
        verify(&parts, &body, &alice().1),
        Err(UnsignedRequiredHeader("(request-target)"))
    );
}

fn rfc9421_covering(
    method: &str,
    components: &str,
    params: &str,
    body: &[u8],
) -> Result<(), SignatureError> {
    let input = format!("sig1=({components}){params}");
    let (parts, body) = raw(
        method,
        "/users/bob/inbox?x=1",
        &[
            ("host", "remote.example"),
            ("content-digest", &content_digest_header(body)),
            ("content-type", "application/activity+json"),
            ("signature-input", &input),
            ("signature", "sig1=:AAAA:"),
        ],
        body,
    );
    parse_request_signature(&parts)?
        .check(&parts, &body, now(), &VerifyPolicy::default())
        .map(|_| ())
}

#[test]
fn rfc9421_refuses_signatures_that_leave_out_a_required_component() {
    use SignatureError::UnsignedRequiredHeader;
    let params = ";created=1700000000;keyid=\"k\"";
    assert_eq!(
        rfc9421_covering(
            "POST",
            r#""@target-uri" "content-digest""#,
            params,
            ACTIVITY
        ),
        Err(UnsignedRequiredHeader("@method"))
    );
    assert_eq!(
        rfc9421_covering("POST", r#""@method" "content-digest""#, params, ACTIVITY),
        Err(UnsignedRequiredHeader("@target-uri"))
    );
    // @authority with @path leaves the query unsigned.
    assert_eq!(
        rfc9421_covering(
            "POST",
            r#""@method" "@authority" "@path" "content-digest""#,
            params,
            ACTIVITY
        ),
        Err(UnsignedRequiredHeader("@target-uri"))
    );
    assert_eq!(
        rfc9421_covering(
            "POST",
            r#""@method" "@authority" "@path" "@query" "content-digest""#,
            params,
            ACTIVITY
        ),
        Ok(())
    );
    assert_eq!(
        rfc9421_covering("POST", r#""@method" "@target-uri""#, params, ACTIVITY),
        Err(UnsignedRequiredHeader("content-digest"))
    );
    assert_eq!(
        rfc9421_covering(
            "POST",
            r#""@method" "@target-uri" "content-digest""#,
            ";keyid=\"k\"",
            ACTIVITY
        ),
        Err(UnsignedRequiredHeader("created"))
    );
    assert_eq!(
        rfc9421_covering("GET", r#""@method" "@target-uri""#, params, b""),
        Ok(())
    );
}

#[test]
fn a_body_changed_after_signing_fails_its_digest() {
    for scheme in SCHEMES {
        let (parts, _) = inbound(signed(post(INBOX, ACTIVITY), scheme, &alice().0, now()));
        let tampered = br#"{"type":"Delete","actor":"https://hamlet.example/users/alice"}"#;
        assert_eq!(
            verify(&parts, tampered, &alice().1),
            Err(SignatureError::Digest(DigestError::Mismatch)),
            "{scheme:?}"
        );
        assert_eq!(
            verify(&parts, b"", &alice().1),
            Err(SignatureError::Digest(DigestError::Mismatch)),
            "{scheme:?}"
        );
    }
}

#[test]
fn a_recomputed_digest_for_a_new_body_breaks_the_signature() {
    let tampered = br#"{"type":"Delete"}"#;
    for (scheme, name, value) in [
        (SignatureScheme::Cavage, "digest", digest_header(tampered)),
        (
            SignatureScheme::Rfc9421,
            "content-digest",
            content_digest_header(tampered),
        ),
    ] {
        let (mut parts, _) = inbound(signed(post(INBOX, ACTIVITY), scheme, &alice().0, now()));
        parts.headers.insert(name, value.parse().unwrap());
        assert_eq!(
            verify(&parts, tampered, &alice().1),
            Err(SignatureError::BadSignature),
            "{scheme:?}"
        );
    }
}

#[test]
fn freshness_follows_mastodon() {
    let minutes = |m: u64| Duration::from_secs(m * 60);
    for scheme in SCHEMES {
        let verify_signed_at = |when: SystemTime| {
            let (parts, body) = inbound(signed(post(INBOX, ACTIVITY), scheme, &alice().0, when));
            verify(&parts, &body, &alice().1)
        };
        assert_eq!(verify_signed_at(now() - minutes(64)), Ok(()), "{scheme:?}");
        assert_eq!(
            verify_signed_at(now() - minutes(66)),
            Err(SignatureError::Stale),
            "{scheme:?}"
        );
        assert_eq!(
            verify_signed_at(now() - minutes(24 * 60)),
            Err(SignatureError::Stale),
            "{scheme:?}"
        );
        assert_eq!(verify_signed_at(now() + minutes(59)), Ok(()), "{scheme:?}");
        assert_eq!(
            verify_signed_at(now() + minutes(61)),
            Err(SignatureError::FutureDate),
            "{scheme:?}"
        );
    }
}

#[test]
fn the_window_is_a_parameter() {
    let (parts, body) = inbound(signed(
        post(INBOX, ACTIVITY),
        SignatureScheme::Cavage,
        &alice().0,
        now() - Duration::from_secs(3 * 60 * 60),
    ));
    let lenient = VerifyPolicy {
        default_lifetime: Duration::from_secs(12 * 60 * 60),
        ..VerifyPolicy::default()
    };
    assert_eq!(
        verify_at(&parts, &body, &alice().1, now(), &lenient),
        Ok(())
    );
    let strict = VerifyPolicy {
        clock_skew: Duration::from_secs(30),
        ..VerifyPolicy::default()
    };
    let (parts, body) = inbound(signed(
        post(INBOX, ACTIVITY),
        SignatureScheme::Rfc9421,
        &alice().0,
        now() + Duration::from_secs(60),
    ));
    assert_eq!(
        verify_at(&parts, &body, &alice().1, now(), &strict),
        Err(SignatureError::FutureDate)
    );
}

#[test]
fn an_unparseable_date_is_malformed() {
    let (mut parts, body) = inbound(signed(
        post(INBOX, ACTIVITY),
        SignatureScheme::Cavage,
        &alice().0,
        now(),
    ));
    parts.headers.insert("date", "yesterday".parse().unwrap());
    assert_eq!(
        verify(&parts, &body, &alice().1),
        Err(SignatureError::Malformed("unparseable Date header"))
    );
    parts.headers.remove("date");
    assert_eq!(
        verify(&parts, &body, &alice().1),
        Err(SignatureError::MissingHeader("date".into()))
    );
}

#[test]
fn a_signature_by_another_key_fails() {
    for scheme in SCHEMES {
        let (parts, body) = inbound(signed(post(INBOX, ACTIVITY), scheme, &mallory().0, now()));
        assert_eq!(
            verify(&parts, &body, &alice().1),
            Err(SignatureError::BadSignature),
            "{scheme:?}"
        );
    }
}

#[test]
fn a_tampered_signed_value_fails() {
    type Tamper = fn(&mut Parts);
    let tampers: [(&str, Tamper); 5] = [
        ("content-type", |p| {
            p.headers
                .insert("content-type", "text/plain".parse().unwrap());
        }),
        ("host", |p| {
            p.headers.insert("host", "other.example".parse().unwrap());
        }),
        ("path", |p| p.uri = "/users/carol/inbox".parse().unwrap()),
        ("method", |p| p.method = http::Method::PUT),
        ("date", |p| {
            let later = http_date(now() + Duration::from_secs(1));
            p.headers.insert("date", later.parse().unwrap());
        }),
    ];
    for scheme in SCHEMES {
        for (what, tamper) in tampers {
            let (mut parts, body) =
                inbound(signed(post(INBOX, ACTIVITY), scheme, &alice().0, now()));
            tamper(&mut parts);
            let result = verify(&parts, &body, &alice().1);
            if scheme == SignatureScheme::Rfc9421 && what == "date" {
                // RFC 9421 covers `created`, not the Date header.
                assert_eq!(result, Ok(()));
            } else {
                assert_eq!(
                    result,
                    Err(SignatureError::BadSignature),
                    "{scheme:?} {what}"
                );
            }
        }
    }
}

#[test]
fn a_tampered_signature_fails() {
    let (mut parts, body) = inbound(signed(
        post(INBOX, ACTIVITY),
        SignatureScheme::Cavage,
        &alice().0,
        now(),
    ));
    let value = header(&parts, "signature").replacen("signature=\"", "signature=\"AAAA", 1);
    parts.headers.insert("signature", value.parse().unwrap());
    assert_eq!(
        verify(&parts, &body, &alice().1),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn unsupported_algorithms_are_refused_before_any_key_is_fetched() {
    let (parts, _) = raw(
        "GET",
        "/",
        &[(
            "signature",
            r#"keyId="k",algorithm="ecdsa-sha256",headers="(request-target) host date",signature="AAAA""#,
        )],
        b"",
    );
    assert_eq!(
        parse_request_signature(&parts).unwrap_err(),
        SignatureError::UnsupportedAlgorithm("ecdsa-sha256".into())
    );
    let (parts, _) = raw(
        "GET",
        "/",
        &[
            (
                "signature-input",
                r#"sig1=("@method" "@target-uri");created=1;keyid="k";alg="ed25519""#,
            ),
            ("signature", "sig1=:AAAA:"),
        ],
        b"",
    );
    assert_eq!(
        parse_request_signature(&parts).unwrap_err(),
        SignatureError::UnsupportedAlgorithm("ed25519".into())
    );
}

#[test]
fn unsupported_components_are_refused() {
    let params = ";created=1700000000;keyid=\"k\"";
    assert_eq!(
        rfc9421_covering(
            "POST",
            r#""@method" "@target-uri" "content-digest" "content-type";sf"#,
            params,
            ACTIVITY
        ),
        Err(SignatureError::UnsupportedComponent(
            "\"content-type\";sf".into()
        ))
    );
    assert_eq!(
        rfc9421_covering(
            "POST",
            r#""@method" "@target-uri" "content-digest" "@status""#,
            params,
            ACTIVITY
        ),
        Err(SignatureError::UnsupportedComponent("\"@status\"".into()))
    );
    assert_eq!(
        cavage_covering("POST", "(request-target) host date digest (foo)", ACTIVITY),
        Err(SignatureError::UnsupportedComponent("(foo)".into()))
    );
}

#[test]
fn a_signed_header_missing_from_the_request_is_refused() {
    assert_eq!(
        cavage_covering(
            "POST",
            "(request-target) host date digest x-missing",
            ACTIVITY
        ),
        Err(SignatureError::MissingHeader("x-missing".into()))
    );
    assert_eq!(
        rfc9421_covering(
            "POST",
            r#""@method" "@target-uri" "content-digest" "x-missing""#,
            ";created=1700000000;keyid=\"k\"",
            ACTIVITY
        ),
        Err(SignatureError::MissingHeader("x-missing".into()))
    );
}

#[test]
fn malformed_signatures_are_refused() {
    let cavage = |value: &str| {
        let (parts, _) = raw("GET", "/", &[("signature", value)], b"");
        parse_request_signature(&parts).map(|_| ())
    };
    for value in [
        r#"keyId="k",signature="unterminated"#,
        r#"keyId="k" signature="AAAA""#,
        r#"headers="date",signature="AAAA""#,
        r#"keyId="k",headers="date""#,
        r#"keyId="k",signature="not base64!""#,
        r#"keyId="k",keyId="j",signature="AAAA""#,
        r#"="k""#,
        "garbage",
    ] {
        assert!(
            matches!(cavage(value), Err(SignatureError::Malformed(_))),
            "{value}: {:?}",
            cavage(value)
        );
    }
    let rfc9421 = |input: &str, signature: Option<&str>| {
        let mut headers = vec![("signature-input", input)];
        if let Some(signature) = signature {
            headers.push(("signature", signature));
        }
        let (parts, _) = raw("GET", "/", &headers, b"");
        parse_request_signature(&parts).map(|_| ())
    };
    for (input, signature) in [
        (r#"sig1=("@method");created=1;keyid="k""#, None),
        (
            r#"sig1=("@method";created=1;keyid="k""#,
            Some("sig1=:AAAA:"),
        ),
        (r#"sig1=("@method");created=1"#, Some("sig1=:AAAA:")),
        (
            r#"sig1=("@method");created="1";keyid="k""#,
            Some("sig1=:AAAA:"),
        ),
        (r#"sig1=("@method");created=1;keyid="k""#, Some("sig1=AAAA")),
        (
            r#"sig1=("@method");created=1;keyid="k""#,
            Some("sig2=:AAAA:"),
        ),
        (r#"sig1="@method";created=1;keyid="k""#, Some("sig1=:AAAA:")),
        (
            r#"Sig1=("@method");created=1;keyid="k""#,
            Some("sig1=:AAAA:"),
        ),
    ] {
        assert!(
            matches!(rfc9421(input, signature), Err(SignatureError::Malformed(_))),
            "{input} {signature:?}: {:?}",
            rfc9421(input, signature)
        );
    }
    // Field names in RFC 9421 are lowercase; two Signature headers are ambiguous.
    assert!(matches!(
        rfc9421_covering(
            "GET",
            r#""@method" "@target-uri" "Content-Type""#,
            ";created=1700000000;keyid=\"k\"",
            b""
        ),
        Err(SignatureError::Malformed(_))
    ));
    let (parts, _) = raw(
        "GET",
        "/",
        &[
            ("signature", r#"keyId="a",signature="AAAA""#),
            ("signature", r#"keyId="b",signature="AAAA""#),
        ],
        b"",
    );
    assert!(matches!(
        parse_request_signature(&parts),
        Err(SignatureError::Malformed(_))
    ));
}

#[test]
fn oversized_signature_headers_are_refused() {
    let huge = format!(
        r#"keyId="k",headers="date",signature="{}""#,
        "A".repeat(MAX_SIGNATURE_HEADER_BYTES)
    );
    for headers in [
        vec![("signature", huge.as_str())],
        vec![("authorization", &*format!("Signature {huge}"))],
        vec![
            ("signature-input", huge.as_str()),
            ("signature", "sig1=:AAAA:"),
        ],
        vec![
            ("signature-input", "sig1=();keyid=\"k\""),
            ("signature", huge.as_str()),
        ],
    ] {
        let (parts, _) = raw("GET", "/", &headers, b"");
        assert_eq!(
            parse_request_signature(&parts).unwrap_err(),
            SignatureError::Oversized
        );
    }
    // Many header lines that add up count too.
    let line = format!("sig{{}}=:{}:", "A".repeat(1000));
    let mut builder = http::Request::get("/").header("signature-input", "sig1=();keyid=\"k\"");
    for i in 0..10 {
        builder = builder.header("signature", line.replace("{}", &i.to_string()));
    }
    let (parts, _) = builder.body(()).unwrap().into_parts();
    assert_eq!(
        parse_request_signature(&parts).unwrap_err(),
        SignatureError::Oversized
    );
}

#[test]
fn small_keys_are_refused_by_default() {
    let (parts, body) = cavage_appendix_c(C3);
    let key = PublicKey::from_pem(CAVAGE_PUBLIC_KEY).unwrap();
    assert_eq!(key.modulus_bits(), 1024);
    let policy = VerifyPolicy {
        min_rsa_bits: 2048,
        ..cavage_policy()
    };
    assert_eq!(
        verify_at(&parts, &body, &key, cavage_date(), &policy),
        Err(SignatureError::KeyTooSmall(1024, 2048))
    );
}

// ---------------------------------------------------------------------------------------
// Signing errors

#[test]
fn signing_refuses_what_it_cannot_sign_honestly() {
    let key = &alice().0;
    let mut relative = post("/inbox", ACTIVITY);
    assert_eq!(
        sign_request(&mut relative, KEY_ID, key, SignatureScheme::Cavage, now()),
        Err(SignError::RelativeUri)
    );
    let mut untyped = http::Request::post(INBOX).body(ACTIVITY.to_vec()).unwrap();
    assert_eq!(
        sign_request(&mut untyped, KEY_ID, key, SignatureScheme::Rfc9421, now()),
        Err(SignError::MissingContentType)
    );
    for bad in ["", "a\"b", "a\\b", "a\nb"] {
        assert_eq!(
            sign_request(
                &mut post(INBOX, ACTIVITY),
                bad,
                key,
                SignatureScheme::Cavage,
                now()
            ),
            Err(SignError::InvalidKeyId)
        );
    }
}

// ---------------------------------------------------------------------------------------
// Keys, digests, dates

/// The RFC 9421 `test-key-rsa` (Appendix B.1.1), in the forms servers publish.
const RFC_RSA_PKCS1_PUBLIC: &str = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAhAKYdtoeoy8zcAcR874L8cnZxKzAGwd7v36APp7Pv6Q2jdsPBRrw
WEBnez6d0UDKDwGbc6nxfEXAy5mbhgajzrw3MOEt8uA5txSKobBpKDeBLOsdJKFq
MGmXCQvEG7YemcxDTRPxAleIAgYYRjTSd/QBwVW9OwNFhekro3RtlinV0a75jfZg
kne/YiktSvLG34lw2zqXBDTC5NHROUqGTlML4PlNZS5Ri2U4aCNx2rUPRcKIlE0P
uKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dSFFn/nnv5OoZJEIB+VmuKn3DCUcCZSFlQ
PSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ10wIDAQAB
-----END RSA PUBLIC KEY-----
";

/// The same key as SubjectPublicKeyInfo (`openssl rsa -pubout`).
const RFC_RSA_SPKI_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAhAKYdtoeoy8zcAcR874L
8cnZxKzAGwd7v36APp7Pv6Q2jdsPBRrwWEBnez6d0UDKDwGbc6nxfEXAy5mbhgaj
zrw3MOEt8uA5txSKobBpKDeBLOsdJKFqMGmXCQvEG7YemcxDTRPxAleIAgYYRjTS
d/QBwVW9OwNFhekro3RtlinV0a75jfZgkne/YiktSvLG34lw2zqXBDTC5NHROUqG
TlML4PlNZS5Ri2U4aCNx2rUPRcKIlE0PuKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dS
FFn/nnv5OoZJEIB+VmuKn3DCUcCZSFlQPSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ1
0wIDAQAB
-----END PUBLIC KEY-----
";

const RFC_RSA_PRIVATE: &str = "-----BEGIN RSA PRIVATE KEY-----
MIIEqAIBAAKCAQEAhAKYdtoeoy8zcAcR874L8cnZxKzAGwd7v36APp7Pv6Q2jdsP
BRrwWEBnez6d0UDKDwGbc6nxfEXAy5mbhgajzrw3MOEt8uA5txSKobBpKDeBLOsd
JKFqMGmXCQvEG7YemcxDTRPxAleIAgYYRjTSd/QBwVW9OwNFhekro3RtlinV0a75
jfZgkne/YiktSvLG34lw2zqXBDTC5NHROUqGTlML4PlNZS5Ri2U4aCNx2rUPRcKI
lE0PuKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dSFFn/nnv5OoZJEIB+VmuKn3DCUcCZ
SFlQPSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ10wIDAQABAoIBAG/JZuSWdoVHbi56
vjgCgkjg3lkO1KrO3nrdm6nrgA9P9qaPjxuKoWaKO1cBQlE1pSWp/cKncYgD5WxE
CpAnRUXG2pG4zdkzCYzAh1i+c34L6oZoHsirK6oNcEnHveydfzJL5934egm6p8DW
+m1RQ70yUt4uRc0YSor+q1LGJvGQHReF0WmJBZHrhz5e63Pq7lE0gIwuBqL8SMaA
yRXtK+JGxZpImTq+NHvEWWCu09SCq0r838ceQI55SvzmTkwqtC+8AT2zFviMZkKR
Qo6SPsrqItxZWRty2izawTF0Bf5S2VAx7O+6t3wBsQ1sLptoSgX3QblELY5asI0J
YFz7LJECgYkAsqeUJmqXE3LP8tYoIjMIAKiTm9o6psPlc8CrLI9CH0UbuaA2JCOM
cCNq8SyYbTqgnWlB9ZfcAm/cFpA8tYci9m5vYK8HNxQr+8FS3Qo8N9RJ8d0U5Csw
DzMYfRghAfUGwmlWj5hp1pQzAuhwbOXFtxKHVsMPhz1IBtF9Y8jvgqgYHLbmyiu1
mwJ5AL0pYF0G7x81prlARURwHo0Yf52kEw1dxpx+JXER7hQRWQki5/NsUEtv+8RT
qn2m6qte5DXLyn83b1qRscSdnCCwKtKWUug5q2ZbwVOCJCtmRwmnP131lWRYfj67
B/xJ1ZA6X3GEf4sNReNAtaucPEelgR2nsN0gKQKBiGoqHWbK1qYvBxX2X3kbPDkv
9C+celgZd2PW7aGYLCHq7nPbmfDV0yHcWjOhXZ8jRMjmANVR/eLQ2EfsRLdW69bn
f3ZD7JS1fwGnO3exGmHO3HZG+6AvberKYVYNHahNFEw5TsAcQWDLRpkGybBcxqZo
81YCqlqidwfeO5YtlO7etx1xLyqa2NsCeG9A86UjG+aeNnXEIDk1PDK+EuiThIUa
/2IxKzJKWl1BKr2d4xAfR0ZnEYuRrbeDQYgTImOlfW6/GuYIxKYgEKCFHFqJATAG
IxHrq1PDOiSwXd2GmVVYyEmhZnbcp8CxaEMQoevxAta0ssMK3w6UsDtvUvYvF22m
qQKBiD5GwESzsFPy3Ga0MvZpn3D6EJQLgsnrtUPZx+z2Ep2x0xc5orneB5fGyF1P
WtP+fG5Q6Dpdz3LRfm+KwBCWFKQjg7uTxcjerhBWEYPmEMKYwTJF5PBG9/ddvHLQ
EQeNC8fHGg4UXU8mhHnSBt3EA10qQJfRDs15M38eG2cYwB1PZpDHScDnDA0=
-----END RSA PRIVATE KEY-----
";

#[test]
fn public_keys_parse_from_spki_and_pkcs1() {
    let pkcs1 = PublicKey::from_pem(RFC_RSA_PKCS1_PUBLIC).unwrap();
    let spki = PublicKey::from_pem(RFC_RSA_SPKI_PUBLIC).unwrap();
    assert_eq!(pkcs1, spki);
    assert_eq!(spki.modulus_bits(), 2048);
    let private = PrivateKey::from_pem(RFC_RSA_PRIVATE).unwrap();
    assert_eq!(private.public_key(), spki);
    // Our own stored keys (PKCS#8 private, SPKI public) belong together.
    assert_eq!(alice().0.public_key(), alice().1);
    assert_ne!(alice().1, mallory().1);
    // Windows line endings and surrounding text do not matter.
    let crlf = format!(
        "publicKeyPem:\r\n{}",
        RFC_RSA_SPKI_PUBLIC.replace('\n', "\r\n")
    );
    assert_eq!(PublicKey::from_pem(&crlf).unwrap(), spki);
    // Never print key material.
    assert!(!format!("{private:?}").contains("MIIE"));
}

#[test]
fn bad_keys_are_refused() {
    assert_eq!(
        PublicKey::from_pem(&"A".repeat(MAX_PEM_BYTES + 1)),
        Err(KeyError::TooLarge)
    );
    assert_eq!(PublicKey::from_pem("not a key"), Err(KeyError::NotPem));
    assert_eq!(
        PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n"),
        Err(KeyError::NotPem)
    );
    assert_eq!(
        PublicKey::from_pem(&RFC_RSA_SPKI_PUBLIC.replace("PUBLIC KEY", "CERTIFICATE")),
        Err(KeyError::UnsupportedLabel("CERTIFICATE".into()))
    );
    assert_eq!(
        PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n"),
        Err(KeyError::BadBase64)
    );
    // An Ed25519 key (RFC 9421 test-key-ed25519) is not RSA.
    assert_eq!(
        PublicKey::from_pem(
            "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n-----END PUBLIC KEY-----\n"
        ),
        Err(KeyError::InvalidKey)
    );
    assert_eq!(
        PrivateKey::from_pem(RFC_RSA_SPKI_PUBLIC).unwrap_err(),
        KeyError::UnsupportedLabel("PUBLIC KEY".into())
    );
    // aws-lc-rs does not sign with 1024-bit keys.
    assert_eq!(
        PrivateKey::from_pem(CAVAGE_PRIVATE_KEY).unwrap_err(),
        KeyError::InvalidKey
    );
}

#[test]
fn digests_are_checked_against_the_body() {
    // echo -n '{"hello": "world"}' | openssl dgst -sha256 -binary | base64 (and -sha512)
    let body = br#"{"hello": "world"}"#;
    let sha256 = "X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=";
    let sha512 =
        "WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==";
    assert_eq!(digest_header(body), format!("SHA-256={sha256}"));
    assert_eq!(content_digest_header(body), format!("sha-256=:{sha256}:"));

    assert_eq!(
        verify_digest_header(&format!("SHA-256={sha256}"), body),
        Ok(())
    );
    assert_eq!(
        verify_digest_header(&format!("sha-512={sha512}"), body),
        Ok(())
    );
    assert_eq!(
        verify_digest_header(&format!("MD5=abc, SHA-256={sha256},UNIXsum=1"), body),
        Ok(())
    );
    assert_eq!(
        verify_digest_header(&format!("SHA-256={}", sha256.trim_end_matches('=')), body),
        Ok(())
    );
    assert_eq!(
        verify_digest_header("MD5=abc", body),
        Err(DigestError::NoSupportedAlgorithm)
    );
    assert_eq!(
        verify_digest_header(&format!("SHA-256={sha256}, SHA-512={sha256}"), body),
        Err(DigestError::Mismatch)
    );
    assert_eq!(
        verify_digest_header(&format!("SHA-256={sha256}"), b"{}"),
        Err(DigestError::Mismatch)
    );
    assert_eq!(
        verify_digest_header("SHA-256", body),
        Err(DigestError::Malformed)
    );
    assert_eq!(
        verify_digest_header("SHA-256=***", body),
        Err(DigestError::Malformed)
    );

    assert_eq!(
        verify_content_digest(&format!("sha-512=:{sha512}:"), body),
        Ok(())
    );
    assert_eq!(
        verify_content_digest(&format!("md5=:AAAA:, sha-256=:{sha256}:"), body),
        Ok(())
    );
    assert_eq!(
        verify_content_digest("md5=:AAAA:", body),
        Err(DigestError::NoSupportedAlgorithm)
    );
    assert_eq!(
        verify_content_digest(&format!("sha-256=:{sha256}:"), b""),
        Err(DigestError::Mismatch)
    );
    assert_eq!(
        verify_content_digest(&format!("sha-256={sha256}"), body),
        Err(DigestError::Malformed)
    );
    assert_eq!(
        verify_content_digest(&format!("sha-256=:{sha256}"), body),
        Err(DigestError::Malformed)
    );
}

#[test]
fn dates_use_imf_fixdate_and_parse_every_http_form() {
    let t = at(784_111_777);
    assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_eq!(http_date(at(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
    for form in [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Sun, 06 Nov 1994 08:49:37 +0000",
        " Sun, 6 Nov 1994 08:49:37 GMT ",
    ] {
        assert_eq!(parse_http_date(form), Some(t), "{form}");
    }
    for bad in [
        "",
        "yesterday",
        "Sun, 06 Nov 1994 08:49:37 CET",
        "Sun, 31 Feb 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
    ] {
        assert_eq!(parse_http_date(bad), None, "{bad}");
    }
    assert_eq!(parse_http_date(&http_date(now())), Some(now()));
}

// ---------------------------------------------------------------------------------------
// draft-cavage-http-signatures-12, Appendix C: a 1024-bit RSA key and a POST.

const CAVAGE_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----
";

const CAVAGE_PRIVATE_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----
MIICXgIBAAKBgQDCFENGw33yGihy92pDjZQhl0C36rPJj+CvfSC8+q28hxA161QF
NUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6Z4UMR7EOcpfdUE9Hf3m/hs+F
UR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJwoYi+1hqp1fIekaxsyQIDAQAB
AoGBAJR8ZkCUvx5kzv+utdl7T5MnordT1TvoXXJGXK7ZZ+UuvMNUCdN2QPc4sBiA
QWvLw1cSKt5DsKZ8UETpYPy8pPYnnDEz2dDYiaew9+xEpubyeW2oH4Zx71wqBtOK
kqwrXa/pzdpiucRRjk6vE6YY7EBBs/g7uanVpGibOVAEsqH1AkEA7DkjVH28WDUg
f1nqvfn2Kj6CT7nIcE3jGJsZZ7zlZmBmHFDONMLUrXR/Zm3pR5m0tCmBqa5RK95u
412jt1dPIwJBANJT3v8pnkth48bQo/fKel6uEYyboRtA5/uHuHkZ6FQF7OUkGogc
mSJluOdc5t6hI1VsLn0QZEjQZMEOWr+wKSMCQQCC4kXJEsHAve77oP6HtG/IiEn7
kpyUXRNvFsDE0czpJJBvL/aRFUJxuRK91jhjC68sA7NsKMGg5OXb5I5Jj36xAkEA
gIT7aFOYBFwGgQAQkWNKLvySgKbAZRTeLBacpHMuQdl1DfdntvAyqpAZ0lY0RKmW
G6aFKaqQfOXKCyWoUiVknQJAXrlgySFci/2ueKlIE1QqIiLSZ8V8OlpFLRnb1pzI
7U1yQXnTAEFYM560yJlzUpOb1V4cScGd365tiSMvxLOvTA==
-----END RSA PRIVATE KEY-----
";

const C1: &str = r#"keyId="Test",algorithm="rsa-sha256",signature="SjWJWbWN7i0wzBvtPl8rbASWz5xQW6mcJmn+ibttBqtifLN7Sazz6m79cNfwwb8DMJ5cou1s7uEGKKCs+FLEEaDV5lp7q25WqS+lavg7T8hc0GppauB6hbgEKTwblDHYGEtbGmtdHgVCk9SuS13F0hZ8FD0k/5OxEPXe5WozsbM=""#;
const C2: &str = r#"keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date",signature="qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0=""#;
const C3: &str = r#"keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date content-type digest content-length",signature="vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52LaEUHFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE=""#;

fn cavage_appendix_c(signature: &str) -> (Parts, Vec<u8>) {
    raw(
        "POST",
        "/foo?param=value&pet=dog",
        &[
            ("host", "example.com"),
            ("date", "Sun, 05 Jan 2014 21:31:40 GMT"),
            ("content-type", "application/json"),
            (
                "digest",
                "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
            ),
            ("content-length", "18"),
            ("signature", signature),
        ],
        br#"{"hello": "world"}"#,
    )
}

fn cavage_date() -> SystemTime {
    parse_http_date("Sun, 05 Jan 2014 21:31:40 GMT").unwrap()
}

fn cavage_policy() -> VerifyPolicy {
    VerifyPolicy {
        min_rsa_bits: 1024,
        ..VerifyPolicy::default()
    }
}

#[test]
fn cavage_all_headers_test_verifies() {
    let (parts, body) = cavage_appendix_c(C3);
    let key = PublicKey::from_pem(CAVAGE_PUBLIC_KEY).unwrap();
    assert_eq!(parse_request_signature(&parts).unwrap().key_id(), "Test");
    assert_eq!(
        verify_at(&parts, &body, &key, cavage_date(), &cavage_policy()),
        Ok(())
    );
    // The same through Authorization, with hs2019, in another parameter order.
    let hs2019 = format!(
        "Signature signature={},headers=\"(request-target) host date content-type digest content-length\", keyId = \"Test\", algorithm=hs2019",
        &C3[C3.find("\"vSdr").unwrap()..]
    );
    let (mut parts, body) = cavage_appendix_c(C3);
    parts.headers.remove("signature");
    parts
        .headers
        .insert("authorization", hs2019.parse().unwrap());
    assert_eq!(
        verify_at(&parts, &body, &key, cavage_date(), &cavage_policy()),
        Ok(())
    );
    // It was made in 2014.
    assert_eq!(
        verify_at(&parts, &body, &key, now(), &cavage_policy()),
        Err(SignatureError::Stale)
    );
    // Its body is covered by the digest.
    assert_eq!(
        verify_at(
            &parts,
            br#"{"hello": "World"}"#,
            &key,
            cavage_date(),
            &cavage_policy()
        ),
        Err(SignatureError::Digest(DigestError::Mismatch))
    );
    // The content-length it signed is not ours to change.
    let (mut parts, body) = cavage_appendix_c(C3);
    parts
        .headers
        .insert("content-length", "19".parse().unwrap());
    assert_eq!(
        verify_at(&parts, &body, &key, cavage_date(), &cavage_policy()),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn cavage_default_and_basic_tests_build_the_published_strings_but_cover_too_little() {
    let policy = cavage_policy();
    let key = PublicKey::from_pem(CAVAGE_PUBLIC_KEY).unwrap();

    let (parts, body) = cavage_appendix_c(C1);
    let parsed = parse_request_signature(&parts).unwrap();
    assert_eq!(parsed.covered(), ["date"]);
    assert_eq!(
        parsed.signature_base(&parts, &policy).unwrap(),
        b"date: Sun, 05 Jan 2014 21:31:40 GMT"
    );
    assert_eq!(
        parsed.verify(&key, &parts, &body, cavage_date(), &policy),
        Err(SignatureError::UnsignedRequiredHeader("(request-target)"))
    );

    let (parts, body) = cavage_appendix_c(C2);
    let parsed = parse_request_signature(&parts).unwrap();
    assert_eq!(
        parsed.signature_base(&parts, &policy).unwrap(),
        b"(request-target): post /foo?param=value&pet=dog\nhost: example.com\ndate: Sun, 05 Jan 2014 21:31:40 GMT"
    );
    assert_eq!(
        parsed.verify(&key, &parts, &body, cavage_date(), &policy),
        Err(SignatureError::UnsignedRequiredHeader("digest"))
    );
    // As a GET (no body), the Basic Test covers enough; its signature was made over
    // `post`, so it now fails the cryptography, which shows the policy let it through.
    let (mut parts, _) = cavage_appendix_c(C2);
    parts.method = http::Method::GET;
    assert_eq!(
        verify_at(&parts, b"", &key, cavage_date(), &policy),
        Err(SignatureError::BadSignature)
    );
}

// ---------------------------------------------------------------------------------------
// Mastodon-shaped requests signed by OpenSSL with the RFC 9421 test-key-rsa:
//   openssl dgst -sha256 -sign rsa.pem signing-string.txt | base64 -w0
// RSASSA-PKCS1-v1_5 is deterministic, so our signer must produce the same bytes.

const FOLLOW: &[u8] = br#"{"@context":"https://www.w3.org/ns/activitystreams","id":"https://remote.example/users/bob#follows/1","type":"Follow","actor":"https://remote.example/users/bob","object":"https://hamlet.example/users/alice"}"#;
const FOLLOW_SHA256: &str = "2zJNigkWEXQOUyBSP3KgypyCiH9zoQ0SGdtgbqCYMwQ=";
const BOB: &str = "https://remote.example/users/bob#main-key";
const OPENSSL_CAVAGE_POST: &str = "J4IQQTBhB2osXosNzbpbdq0UIEIYCKs5qzlya12MY5A7gcMRfcrJA5ifaLJAkM12R4/VrbPm/Ycoc04VOvW1ZRQeC2Y/YKxwV/hL9AzcNPyCKDfFv/588uRgkx9eWKKyXxod2XJqj4l7/cD54FfN6AHQK8Ts4MBPk1DBwMhWi8CH8qhj0b5PmCLMZE3jWSdnMMY5ucqDTctp5gCFIncvJm59lNXI5sq4+e9K89WyW+pCj0KA8Osnl2SsFXTg08ZzQch7FVyYArv0sQkLV7ajvQIILaT9fG0ELT4EHr5MviJEm4rCru/ADNFdMC2XLd0EFUvToaDnG/PNCmDKX9ea3g==";
const OPENSSL_RFC9421_POST: &str = "IKT56SGgIDmuUcYpgDxdOIFOYW+FS/NcGGlMAeOLHEEY7BqmejWtPgXg5IMODGNtLSU5f/D1dfm7ja+7/FLHji0FqnL1lVaedNpyjJ22x401ubMoPsOr2bceXEG2goPJ+M4MzGl0fCbEuhEtr8icMopzqixuWvnEPd1BE4Ilb4hnKRbpuXOSOBxwUFKURaNn2JleIKwjkq3RGg+kXfk4UApEIZTbj9F0lBmzNWe2b/PBaD+5d5ofK7U7cDP7ynEn5VUVF0/KfcrjEyaM6BOJaEM9SasqUMi1IhQwhP1Bm5nH8T3VWJfEFTOp0oj9ZqgiMvzt/9brimdqD32iwiqGCg==";
const OPENSSL_CAVAGE_GET: &str = "D4xE6Orj7ydqUF1B7fiQbxkYMiPFOBJFZF58tUGuwCnZVJXMl5aSG3QAUHw0Qnp4jDLA0pR1f2j0V+dmhIx1Wr27UIu/M+bj1IIl5mr+Cxd0gbOogsB2onbwOOktgSnJqniBmAT64gC8hpGCdJGdKT+908Amfc7sJVAes1eY5/7Zl2CLNwBMTH4YkALvVIQn2/5xl5yECFPwFu9LrGF8ymsXv9jldRue3UxFLwgObC/BgA9hW1+6cgkRnj2R+bKvRgyJ3vo4tezCdwRD3aexjGbYX1DpNicGfKkQeJnbL5PuTK/PvsRHvSC07xLyu9PtL1Hgq1HXSqePQEaelVpOLA==";
const OPENSSL_DATE: &str = "Tue, 20 Apr 2021 02:07:55 GMT";

fn openssl_time() -> SystemTime {
    at(1_618_884_475)
}

fn sign_with_rfc_key(
    request: http::Request<Vec<u8>>,
    scheme: SignatureScheme,
) -> http::Request<Vec<u8>> {
    let key = PrivateKey::from_pem(RFC_RSA_PRIVATE).unwrap();
    let mut request = request;
    sign_request(&mut request, BOB, &key, scheme, openssl_time()).unwrap();
    request
}

#[test]
fn openssl_signed_cavage_post_verifies_and_we_sign_identically() {
    let expected = format!(
        "keyId=\"{BOB}\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest content-type\",signature=\"{OPENSSL_CAVAGE_POST}\""
    );
    let ours = sign_with_rfc_key(
        post("https://hamlet.example/users/alice/inbox", FOLLOW),
        SignatureScheme::Cavage,
    );
    assert_eq!(ours.headers()["signature"], expected.as_str());
    assert_eq!(ours.headers()["date"], OPENSSL_DATE);

    let (parts, body) = raw(
        "POST",
        "/users/alice/inbox",
        &[
            ("Host", "hamlet.example"),
            ("Date", OPENSSL_DATE),
            ("Digest", &format!("SHA-256={FOLLOW_SHA256}")),
            ("Content-Type", "application/activity+json"),
            (
                "User-Agent",
                "Mastodon/4.3.0 (http.rb/5.2.0; +https://remote.example/)",
            ),
            ("Signature", &expected),
        ],
        FOLLOW,
    );
    let key = PublicKey::from_pem(RFC_RSA_SPKI_PUBLIC).unwrap();
    assert_eq!(
        verify_at(
            &parts,
            &body,
            &key,
            openssl_time(),
            &VerifyPolicy::default()
        ),
        Ok(())
    );
    assert_eq!(
        verify_at(
            &parts,
            &body,
            &alice().1,
            openssl_time(),
            &VerifyPolicy::default()
        ),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn openssl_signed_cavage_get_verifies_and_we_sign_identically() {
    let expected = format!(
        "keyId=\"{BOB}\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date accept\",signature=\"{OPENSSL_CAVAGE_GET}\""
    );
    let ours = sign_with_rfc_key(
        get("https://hamlet.example/users/alice/outbox?page=true"),
        SignatureScheme::Cavage,
    );
    assert_eq!(ours.headers()["signature"], expected.as_str());
    let (parts, body) = inbound(ours);
    let key = PublicKey::from_pem(RFC_RSA_PKCS1_PUBLIC).unwrap();
    assert_eq!(
        verify_at(
            &parts,
            &body,
            &key,
            openssl_time(),
            &VerifyPolicy::default()
        ),
        Ok(())
    );
}

#[test]
fn openssl_signed_rfc9421_post_verifies_and_we_sign_identically() {
    let input = format!(
        "sig1=(\"@method\" \"@target-uri\" \"content-digest\" \"content-type\");created=1618884475;keyid=\"{BOB}\";alg=\"rsa-v1_5-sha256\""
    );
    let signature = format!("sig1=:{OPENSSL_RFC9421_POST}:");
    let ours = sign_with_rfc_key(
        post("https://hamlet.example/users/alice/inbox", FOLLOW),
        SignatureScheme::Rfc9421,
    );
    assert_eq!(ours.headers()["signature-input"], input.as_str());
    assert_eq!(ours.headers()["signature"], signature.as_str());
    assert_eq!(
        ours.headers()["content-digest"],
        format!("sha-256=:{FOLLOW_SHA256}:").as_str()
    );

    let (parts, body) = raw(
        "POST",
        "/users/alice/inbox",
        &[
            ("host", "hamlet.example"),
            ("content-digest", &format!("sha-256=:{FOLLOW_SHA256}:")),
            ("content-type", "application/activity+json"),
            ("signature-input", &input),
            ("signature", &signature),
        ],
        FOLLOW,
    );
    let key = PublicKey::from_pem(RFC_RSA_SPKI_PUBLIC).unwrap();
    let parsed = parse_request_signature(&parts).unwrap();
    assert_eq!(parsed.key_id(), BOB);
    assert_eq!(
        String::from_utf8(
            parsed
                .signature_base(&parts, &VerifyPolicy::default())
                .unwrap()
        )
        .unwrap(),
        format!(
            "\"@method\": POST\n\"@target-uri\": https://hamlet.example/users/alice/inbox\n\"content-digest\": sha-256=:{FOLLOW_SHA256}:\n\"content-type\": application/activity+json\n\"@signature-params\": (\"@method\" \"@target-uri\" \"content-digest\" \"content-type\");created=1618884475;keyid=\"{BOB}\";alg=\"rsa-v1_5-sha256\""
        )
    );
    assert_eq!(
        verify_at(
            &parts,
            &body,
            &key,
            openssl_time(),
            &VerifyPolicy::default()
        ),
        Ok(())
    );
    // Without `alg` an RSA key means rsa-v1_5-sha256; the signature then fails because
    // the parameters it covered changed.
    let no_alg = input.replace(";alg=\"rsa-v1_5-sha256\"", "");
    let (parts, body) = raw(
        "POST",
        "/users/alice/inbox",
        &[
            ("host", "hamlet.example"),
            ("content-digest", &format!("sha-256=:{FOLLOW_SHA256}:")),
            ("content-type", "application/activity+json"),
            ("signature-input", &no_alg),
            ("signature", &signature),
        ],
        FOLLOW,
    );
    assert_eq!(
        verify_at(
            &parts,
            &body,
            &key,
            openssl_time(),
            &VerifyPolicy::default()
        ),
        Err(SignatureError::BadSignature)
    );
    let ours = {
        let (mut parts, body) = inbound(sign_with_rfc_key(
            post("https://hamlet.example/users/alice/inbox", FOLLOW),
            SignatureScheme::Rfc9421,
        ));
        let stripped = header(&parts, "signature-input").replace(";alg=\"rsa-v1_5-sha256\"", "");
        parts
            .headers
            .insert("signature-input", stripped.parse().unwrap());
        (parts, body)
    };
    assert_eq!(
        verify_at(
            &ours.0,
            &ours.1,
            &key,
            openssl_time(),
            &VerifyPolicy::default()
        ),
        Err(SignatureError::BadSignature)
    );
}

// ---------------------------------------------------------------------------------------
// RFC 9421 Appendix B.2: signature bases over its `test-request`.

fn rfc9421_test_request(input: &str, signature: &str) -> (Parts, Vec<u8>) {
    raw(
        "POST",
        "/foo?param=Value&Pet=dog",
        &[
            ("host", "example.com"),
            ("date", "Tue, 20 Apr 2021 02:07:55 GMT"),
            ("content-type", "application/json"),
            (
                "content-digest",
                "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
            ),
            ("content-length", "18"),
            ("signature-input", input),
            ("signature", signature),
        ],
        br#"{"hello": "world"}"#,
    )
}

fn rfc9421_base(input: &str, signature: &str) -> (String, ParsedSignature) {
    let (parts, _) = rfc9421_test_request(input, signature);
    let parsed = parse_request_signature(&parts).unwrap();
    let base = parsed
        .signature_base(&parts, &VerifyPolicy::default())
        .unwrap();
    (String::from_utf8(base).unwrap(), parsed)
}

#[test]
fn rfc9421_b_2_1_minimal_signature_base() {
    let (base, parsed) = rfc9421_base(
        r#"sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd""#,
        "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:",
    );
    assert_eq!(parsed.key_id(), "test-key-rsa-pss");
    assert_eq!(
        base,
        r#""@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd""#
    );
}

#[test]
fn rfc9421_b_2_2_selective_signature_base() {
    let (base, _) = rfc9421_base(
        r#"sig-b22=("@authority" "content-digest" "@query-param";name="Pet");created=1618884473;keyid="test-key-rsa-pss";tag="header-example""#,
        "sig-b22=:AAAA:",
    );
    assert_eq!(
        base,
        concat!(
            "\"@authority\": example.com\n",
            "\"content-digest\": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:\n",
            "\"@query-param\";name=\"Pet\": dog\n",
            "\"@signature-params\": (\"@authority\" \"content-digest\" \"@query-param\";name=\"Pet\");created=1618884473;keyid=\"test-key-rsa-pss\";tag=\"header-example\"",
        )
    );
}

#[test]
fn rfc9421_b_2_3_full_coverage_signature_base() {
    let (base, parsed) = rfc9421_base(
        r#"sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss""#,
        "sig-b23=:AAAA:",
    );
    assert_eq!(
        base,
        concat!(
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n",
            "\"@method\": POST\n",
            "\"@path\": /foo\n",
            "\"@query\": ?param=Value&Pet=dog\n",
            "\"@authority\": example.com\n",
            "\"content-type\": application/json\n",
            "\"content-digest\": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:\n",
            "\"content-length\": 18\n",
            "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@query\" \"@authority\" \"content-type\" \"content-digest\" \"content-length\");created=1618884473;keyid=\"test-key-rsa-pss\"",
        )
    );
    // This one covers enough for our policy, and its SHA-512 Content-Digest is checked
    // against the body. (Its signature is RSA-PSS with an unstated alg; see the unit
    // tests for the cryptography.)
    let (parts, body) = rfc9421_test_request(
        r#"sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss""#,
        "sig-b23=:AAAA:",
    );
    let when = at(1_618_884_473);
    assert!(
        parsed
            .check(&parts, &body, when, &VerifyPolicy::default())
            .is_ok()
    );
    assert_eq!(
        parsed
            .check(&parts, b"{}", when, &VerifyPolicy::default())
            .unwrap_err(),
        SignatureError::Digest(DigestError::Mismatch)
    );
}

#[test]
fn rfc9421_b_2_5_and_b_2_6_signature_bases() {
    let (base, _) = rfc9421_base(
        r#"sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret""#,
        "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:",
    );
    assert_eq!(
        base,
        concat!(
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n",
            "\"@authority\": example.com\n",
            "\"content-type\": application/json\n",
            "\"@signature-params\": (\"date\" \"@authority\" \"content-type\");created=1618884473;keyid=\"test-shared-secret\"",
        )
    );
    let (base, _) = rfc9421_base(
        r#"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#,
        "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
    );
    assert_eq!(
        base,
        concat!(
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n",
            "\"@method\": POST\n",
            "\"@path\": /foo\n",
            "\"@authority\": example.com\n",
            "\"content-type\": application/json\n",
            "\"content-length\": 18\n",
            "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\"",
        )
    );
}

#[test]
fn rfc9421_appendix_transform_example_joins_repeated_fields() {
    let (parts, _) = raw(
        "GET",
        "/demo?name1=Value1&Name2=value2",
        &[
            ("host", "example.org"),
            ("date", "Fri, 15 Jul 2022 14:24:55 GMT"),
            ("accept", "application/json"),
            ("accept", "*/*"),
            (
                "signature-input",
                r#"transform=("@method" "@path" "@authority" "accept");created=1618884473;keyid="test-key-ed25519""#,
            ),
            (
                "signature",
                "transform=:ZT1kooQsEHpZ0I1IjCqtQppOmIqlJPeo7DHR3SoMn0s5JZ1eRGS0A+vyYP9t/LXlh5QMFFQ6cpLt2m0pmj3NDA==:",
            ),
        ],
        b"",
    );
    let base = parse_request_signature(&parts)
        .unwrap()
        .signature_base(&parts, &VerifyPolicy::default())
        .unwrap();
    assert_eq!(
        String::from_utf8(base).unwrap(),
        concat!(
            "\"@method\": GET\n",
            "\"@path\": /demo\n",
            "\"@authority\": example.org\n",
            "\"accept\": application/json, */*\n",
            "\"@signature-params\": (\"@method\" \"@path\" \"@authority\" \"accept\");created=1618884473;keyid=\"test-key-ed25519\"",
        )
    );
}
