//! Remote HTML sanitizing, from the outside: attacks, real posts from other servers,
//! and the bounds on size and nesting.

use std::time::{Duration, Instant};

use hamlet_core::sanitize::{
    LINK_REL, MAX_DEPTH, MAX_HTML_BYTES, html_to_plain_text, remote_plain_text, remote_single_line,
    sanitize_remote_html,
};

const KEPT_ELEMENTS: [&str; 23] = [
    "p",
    "br",
    "span",
    "a",
    "del",
    "s",
    "pre",
    "blockquote",
    "code",
    "b",
    "strong",
    "u",
    "i",
    "em",
    "ul",
    "ol",
    "li",
    "ruby",
    "rt",
    "rp",
    "sub",
    "sup",
    "abbr",
];

/// Sanitizes `html`, checks that the result contains only allowlisted markup and that
/// sanitizing it again changes nothing, and returns it.
fn clean(html: &str) -> String {
    let out = sanitize_remote_html(html);
    assert_only_allowed_markup(&out);
    // (Output may be longer than input, and longer than the input bound.)
    if out.len() <= MAX_HTML_BYTES {
        assert!(
            sanitize_remote_html(&out) == out,
            "not stable, from {:?}",
            html.get(..200).unwrap_or(html)
        );
    }
    out
}

/// Reads every tag of sanitized output (text there has `<` escaped, and attribute values
/// are double-quoted) and checks names, attributes and link values.
fn assert_only_allowed_markup(out: &str) {
    let lower = out.to_ascii_lowercase();
    for needle in [
        "javascript:",
        "vbscript:",
        "data:",
        "<!--",
        "<script",
        "<style",
    ] {
        assert!(!lower.contains(needle), "{needle} in {out:?}");
    }
    let mut rest = out;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let mut in_quotes = false;
        let end = after
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    in_quotes = !in_quotes;
                }
                c == '>' && !in_quotes
            })
            .map(|(i, _)| i)
            .unwrap_or_else(|| panic!("unterminated tag in {out:?}"));
        let tag = &after[..end];
        rest = &after[end + 1..];
        let tag = tag.strip_prefix('/').unwrap_or(tag);
        let (name, attributes) = tag.split_once(' ').unwrap_or((tag, ""));
        assert!(KEPT_ELEMENTS.contains(&name), "<{name}> in {out:?}");
        let mut attributes = attributes;
        while !attributes.is_empty() {
            let (attribute, value_and_rest) = attributes
                .split_once("=\"")
                .unwrap_or_else(|| panic!("attribute without value in {out:?}"));
            let value_end = value_and_rest.find('"').expect("closing quote");
            let value = &value_and_rest[..value_end];
            attributes = value_and_rest[value_end + 1..].trim_start();
            let allowed: &[&str] = match name {
                "a" => &["href", "class", "title", "translate", "rel", "target"],
                "span" => &["class", "translate"],
                "p" => &["class"],
                "blockquote" => &["cite"],
                "ol" => &["start", "reversed"],
                "li" => &["value"],
                "abbr" => &["title"],
                _ => &[],
            };
            assert!(
                allowed.contains(&attribute),
                "{attribute} on <{name}> in {out:?}"
            );
            if matches!(attribute, "href" | "cite") {
                assert!(
                    value.starts_with("http://")
                        || value.starts_with("https://")
                        || value.contains(':') && !value.contains(char::is_whitespace),
                    "link {value:?} in {out:?}"
                );
            }
        }
    }
}

const REL_TARGET: &str = r#"rel="nofollow noopener noreferrer" target="_blank""#;

#[test]
fn scripts_and_styles_go_with_their_content() {
    assert_eq!(clean("<script>alert(1)</script>hello"), "hello");
    assert_eq!(clean("<SCRIPT SRC=https://e.test/x.js></SCRIPT>hi"), "hi");
    assert_eq!(clean("<script>alert(1)"), "", "unclosed script");
    assert_eq!(clean("a<style>p { color: red }</style>b"), "ab");
    assert_eq!(clean("<xmp><script>x</script></xmp>c"), "c");
    assert_eq!(clean("<noscript><p>x</p></noscript>y"), "y");
    assert_eq!(
        clean("<iframe src=https://e.test/>inside</iframe>after"),
        "after"
    );
    assert_eq!(
        clean("<noembed><b>x</b></noembed><noframes>y</noframes>z"),
        "z"
    );
    assert_eq!(
        clean("<template><p>t</p><script>s</script></template>after"),
        "after"
    );
    assert_eq!(clean("<plaintext><b>everything after</b>"), "");
    // Script text that looks like an end tag inside `<!--<script>`, read as browsers
    // read it: the script ends at the second `</script>`.
    assert_eq!(
        clean("<script><!--<script></script>alert(1)</script>-->x"),
        "--&gt;x"
    );
}

#[test]
fn event_handlers_styles_and_dangerous_elements_are_removed() {
    assert_eq!(clean("<img src=x onerror=alert(1)>after"), "after");
    assert_eq!(clean("<IMG SRC=JaVaScRiPt:alert('XSS')>"), "");
    assert_eq!(
        clean("<svg onload=alert(1)><circle r=1/></svg>after"),
        "after"
    );
    assert_eq!(clean("<svg><script>alert(1)</script></svg>"), "");
    assert_eq!(
        clean(r#"<p style="color:red" onclick="x()" id="i" data-x="1">s</p>"#),
        "<p>s</p>"
    );
    assert_eq!(
        clean(r#"<span style="background:url(javascript:alert(1))">x</span>"#),
        "<span>x</span>"
    );
    assert_eq!(clean(r#"<div onmouseover="alert(1)">a</div>"#), "a");
    assert_eq!(
        clean("<form action=https://e.test/><input name=a value=b><button>go</button></form>"),
        "go"
    );
    assert_eq!(
        clean("<details open ontoggle=alert(1)><summary>s</summary>d</details>"),
        "s d"
    );
    assert_eq!(clean("<video><source onerror=alert(1)></video>v"), "v");
    assert_eq!(
        clean(
            r#"<base href="javascript:alert(1)//"><meta http-equiv="refresh" content="0;url=javascript:alert(1)"><link rel=stylesheet href=https://e.test/>x"#
        ),
        "x"
    );
    assert_eq!(
        clean(r#"<object data="javascript:alert(1)">fallback</object>"#),
        "fallback"
    );
    assert_eq!(clean("<embed src=https://e.test/x.swf>e"), "e");
    assert_eq!(
        clean("<b onmouseover=alert(1) class=h-card>bold</b>"),
        "<b>bold</b>"
    );
}

#[test]
fn dangerous_links_are_unwrapped() {
    for href in [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;avascript&#x3A;alert(1)",
        "&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)",
        "javascript&colon;alert(1)",
        "java&#x09;script:alert(1)",
        "java\nscript:alert(1)",
        " javascript:alert(1)",
        "\u{1}javascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DATA:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://e.test/",
        "mailto:a@e.test",
        " https://e.test/",
        "/relative/path",
        "//e.test/protocol-relative",
        "#fragment",
        "?query",
        "",
    ] {
        let html = format!(r#"<a href="{href}">link</a>"#);
        assert_eq!(clean(&html), "link", "{html}");
    }
    assert_eq!(clean("<a>no href</a>"), "no href");
    assert_eq!(
        clean(r#"<a><span class="invisible">foo&amp;</span><span>Test</span></a>"#),
        r#"<span class="invisible">foo&amp;</span><span>Test</span>"#
    );
    // Unwrapping does not turn escaped text back into markup.
    assert_eq!(
        clean(r#"<a href="foo://bar">Test&lt;a href="https://e.test"&gt;test&lt;/a&gt;</a>"#),
        "Test&lt;a href=\"https://e.test\"&gt;test&lt;/a&gt;"
    );
}

#[test]
fn allowed_links_keep_their_address_and_get_rel_and_target() {
    for href in [
        "http://e.test/",
        "https://e.test/a?b=1&amp;c=2#d",
        "HTTPS://E.TEST/",
        "dat://abc/",
        "dweb:/a/foo",
        "ipfs://bafy/",
        "ipns://name/",
        "ssb://abc",
        "gopher://e.test/",
        "xmpp:room@conference.e.test?join",
        "magnet:?xt=urn:btih:abc",
        "gemini://e.test/",
    ] {
        let out = clean(&format!(r#"<a href="{href}">x</a>"#));
        assert_eq!(out, format!(r#"<a href="{href}" {REL_TARGET}>x</a>"#));
    }
    assert_eq!(
        clean(r#"<a href="https://e.test/" rel="me opener" target="_self" onclick="x">e</a>"#),
        format!(r#"<a href="https://e.test/" {REL_TARGET}>e</a>"#)
    );
    assert_eq!(LINK_REL, "nofollow noopener noreferrer");
    // A quote in the address stays inside the attribute.
    assert_eq!(
        clean(r#"<a href="https://e.test/&quot;onmouseover=&quot;alert(1)">x</a>"#),
        format!(r#"<a href="https://e.test/&quot;onmouseover=&quot;alert(1)" {REL_TARGET}>x</a>"#)
    );
    assert_eq!(
        clean(
            r#"<a href="https://e.test/" title="T &amp; t" translate="no">x</a><a href="https://e.test/" translate="yes">y</a>"#
        ),
        format!(
            r#"<a href="https://e.test/" title="T &amp; t" translate="no" {REL_TARGET}>x</a><a href="https://e.test/" {REL_TARGET}>y</a>"#
        )
    );
    // Links do not nest.
    assert_eq!(
        clean("<a href=https://a.test/>1<a href=https://b.test/>2</a>3</a>"),
        format!(
            r#"<a href="https://a.test/" {REL_TARGET}>1</a><a href="https://b.test/" {REL_TARGET}>2</a>3"#
        )
    );
}

#[test]
fn comments_doctypes_and_cdata() {
    assert_eq!(clean("<!--<script>alert(1)</script>-->x"), "x");
    assert_eq!(
        clean("<!--<script>-->x<!-- --!><b>y</b> -->"),
        "x<b>y</b> --&gt;"
    );
    assert_eq!(clean("<!--><script>alert(1)</script>-->"), "--&gt;");
    assert_eq!(clean("<!---><b>b</b>"), "<b>b</b>");
    assert_eq!(clean("<!DOCTYPE html><?xml x?><p>p</p>"), "<p>p</p>");
    assert_eq!(
        clean("<svg><![CDATA[</svg><script>alert(1)</script>]]></svg>after"),
        "after"
    );
    // Outside SVG and MathML, `<![CDATA[` opens a bogus comment that ends at the first `>`.
    assert_eq!(
        clean("<![CDATA[<script>alert(1)</script>]]>"),
        "alert(1)]]&gt;"
    );
}

#[test]
fn math_tricks_and_math() {
    assert_eq!(
        clean("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
        ""
    );
    assert_eq!(
        clean(
            r#"<math><annotation-xml encoding="text/html"><script>alert(1)</script></annotation-xml></math>"#
        ),
        ""
    );
    assert_eq!(
        clean("<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>"),
        ""
    );
    // FEP-dc88: MathML with a LaTeX or plain-text annotation becomes that text, as on
    // Mastodon.
    let mathml = r#"<math><semantics><mrow><msup><mi>x</mi><mi>n</mi></msup><mo>+</mo><mi>y</mi></mrow><annotation encoding="application/x-tex">x^n+y</annotation></semantics></math>"#;
    assert_eq!(clean(mathml), "$x^n+y$");
    assert_eq!(
        clean(&mathml.replace("<math>", r#"<math display="block">"#)),
        "$$x^n+y$$"
    );
    assert_eq!(
        clean(
            r#"<p>so <math><semantics><msqrt><mi>x</mi></msqrt><annotation encoding="text/plain">sqrt(x) &lt; 2</annotation></semantics></math>.</p>"#
        ),
        "<p>so sqrt(x) &lt; 2.</p>"
    );
    assert_eq!(
        clean(
            r#"<math><semantics><msqrt><mi>x</mi></msqrt><annotation encoding="text/plain">sqrt(x)</annotation><annotation encoding="application/x-tex">\sqrt x</annotation></semantics></math>"#
        ),
        "$\\sqrt x$"
    );
    // An HTML element ends MathML and SVG content, as in browsers.
    assert_eq!(clean("<svg><p>out</p></svg>"), "<p>out</p>");
    assert_eq!(clean("<math><mi>x</mi><b>bold</b>"), "<b>bold</b>");
}

#[test]
fn malformed_markup_comes_out_well_formed() {
    assert_eq!(
        clean("<p>unclosed <b>bold <i>italic"),
        "<p>unclosed <b>bold <i>italic</i></b></p>"
    );
    assert_eq!(clean("<p>a<p>b"), "<p>a</p><p>b</p>");
    assert_eq!(clean("</p></b></a>text</span>"), "text");
    assert_eq!(clean("<b><i>x</b>y</i>"), "<b><i>x</i></b>y");
    assert_eq!(clean("<p>a<ul><li>b</ul>c"), "<p>a</p><ul><li>b</li></ul>c");
    assert_eq!(
        clean("<ul><li>a<li>b<ul><li>c</ul></ul>"),
        "<ul><li>a</li><li>b<ul><li>c</li></ul></li></ul>"
    );
    // A paragraph may sit inside a link, in HTML 5 as here.
    assert_eq!(
        clean(r#"<a href="https://e.test/">link<p>para"#),
        format!(r#"<a href="https://e.test/" {REL_TARGET}>link<p>para</p></a>"#)
    );
    assert_eq!(clean("<img src=x onerror=alert(1)"), "", "unterminated tag");
    assert_eq!(
        clean("<p>a</p><p></p><span></span><p> </p>"),
        "<p>a</p><p> </p>"
    );
    assert_eq!(clean("\"><script>alert(1)</script>"), "\"&gt;");
    assert_eq!(
        clean("<scr<script>ipt>alert(1)</script>"),
        "ipt&gt;alert(1)"
    );
    assert_eq!(clean("a < b > c & d"), "a &lt; b &gt; c &amp; d");
    assert_eq!(clean("<p>x\u{0}y</p>"), "<p>xy</p>");
    assert_eq!(
        clean("<textarea><b>t</b></textarea>"),
        "&lt;b&gt;t&lt;/b&gt;"
    );
    assert_eq!(clean("<title>t</title>x"), "tx");
    assert_eq!(
        clean("<ruby>明日 <rp>(</rp><rt>Ashita</rt><rp>)</rp></ruby>"),
        "<ruby>明日 <rp>(</rp><rt>Ashita</rt><rp>)</rp></ruby>"
    );
    assert_eq!(
        clean("<ruby>漢<rt>kan<rt>ji</ruby>"),
        "<ruby>漢<rt>kan</rt><rt>ji</rt></ruby>"
    );
    assert_eq!(
        clean("<pre>\n\ncode\n  indented</pre>"),
        "<pre>\n\ncode\n  indented</pre>"
    );
    assert_eq!(clean("<pre>\ncode</pre>"), "<pre>code</pre>");
    assert_eq!(
        clean("&lt;script&gt; &amp; &nbsp; &copy; &#x1F600;"),
        "&lt;script&gt; &amp; &nbsp; © 😀"
    );
}

#[test]
fn unknown_elements_are_unwrapped_and_blocks_leave_a_space() {
    assert_eq!(clean("<div>a</div><div>b</div>"), "a b");
    assert_eq!(
        clean("<font color=red>red</font> <marquee>m</marquee>"),
        "red m"
    );
    assert_eq!(clean("<table><tr><td>a</td><td>b</td></tr></table>"), "a b");
    assert_eq!(clean("<select><option>a</option></select>"), "a");
    assert_eq!(clean("<custom-element x=1>c</custom-element>"), "c");
    assert_eq!(clean("<p>a<hr>b</p>"), "<p>a b</p>");
}

#[test]
fn headings_become_strong_paragraphs() {
    assert_eq!(
        clean("<h1>Title</h1><p>body</p>"),
        "<p><strong>Title</strong></p><p>body</p>"
    );
    assert_eq!(
        clean("<h2>a<h3>b</h3>c"),
        "<p><strong>a</strong></p><p><strong>b</strong></p>c"
    );
    assert_eq!(
        clean("<p>intro<h4>t</h5>after"),
        "<p>intro</p><p><strong>t</strong></p>after"
    );
    assert_eq!(
        clean("<h6 class=\"p-name\">x</h6>"),
        "<p><strong>x</strong></p>"
    );
}

#[test]
fn lists_keep_their_numbering() {
    assert_eq!(
        clean(r#"<p>Check out:</p><ol start="3" reversed=""><li>Foo</li><li>Bar</li></ol>"#),
        r#"<p>Check out:</p><ol start="3" reversed=""><li>Foo</li><li>Bar</li></ol>"#
    );
    assert_eq!(
        clean(
            r#"<ol start="x" reversed type="a"><li value="-2">a</li><li value="1.5">b</li><li></li></ol>"#
        ),
        r#"<ol reversed=""><li value="-2">a</li><li>b</li><li></li></ol>"#
    );
    assert_eq!(
        clean("<ul class=\"h-feed\"><li class=\"h-entry\">x</li></ul>"),
        "<ul><li>x</li></ul>"
    );
}

#[test]
fn classes_and_quotes() {
    assert_eq!(
        clean(
            r#"<p class="quote-inline h-entry bogus">RE: <a href="https://e.test/1" class="u-url x">x</a></p>"#
        ),
        format!(
            r#"<p class="quote-inline h-entry">RE: <a href="https://e.test/1" class="u-url" {REL_TARGET}>x</a></p>"#
        )
    );
    assert_eq!(
        clean(
            r#"<blockquote cite="https://e.test/q" class="x"><p>q</p></blockquote><blockquote cite="javascript:x">r</blockquote>"#
        ),
        r#"<blockquote cite="https://e.test/q"><p>q</p></blockquote><blockquote>r</blockquote>"#
    );
    assert_eq!(
        clean(
            r#"<abbr title="HyperText" onclick="x">HTML</abbr> H<sub>2</sub>O x<sup>2</sup> <del>no</del> <s>old</s> <u>u</u> <code>c</code>"#
        ),
        r#"<abbr title="HyperText">HTML</abbr> H<sub>2</sub>O x<sup>2</sup> <del>no</del> <s>old</s> <u>u</u> <code>c</code>"#
    );
}

/// A post as Mastodon 4 writes it: a mention, a hashtag, and a long link shortened with
/// invisible and ellipsis spans. Everything survives; links get rel and target.
#[test]
fn a_mastodon_post_keeps_its_markup() {
    let content = concat!(
        r#"<p><span class="h-card" translate="no"><a href="https://mastodon.social/@Gargron" class="u-url mention">@<span>Gargron</span></a></span> "#,
        r#"have you seen <a href="https://mastodon.social/tags/Rust" class="mention hashtag" rel="tag">#<span>Rust</span></a>? "#,
        r#"<a href="https://github.com/mastodon/mastodon/pull/12345/files#diff-abcdef" target="_blank" rel="nofollow noopener noreferrer" translate="no">"#,
        r#"<span class="invisible">https://</span><span class="ellipsis">github.com/mastodon/mastodon/p</span><span class="invisible">ull/12345/files#diff-abcdef</span></a></p>"#,
        r#"<p>Second paragraph<br />with a line break &amp; an ampersand</p>"#,
    );
    let expected = concat!(
        r#"<p><span class="h-card" translate="no"><a href="https://mastodon.social/@Gargron" class="u-url mention" rel="nofollow noopener noreferrer" target="_blank">@<span>Gargron</span></a></span> "#,
        r#"have you seen <a href="https://mastodon.social/tags/Rust" class="mention hashtag" rel="nofollow noopener noreferrer" target="_blank">#<span>Rust</span></a>? "#,
        r#"<a href="https://github.com/mastodon/mastodon/pull/12345/files#diff-abcdef" translate="no" rel="nofollow noopener noreferrer" target="_blank">"#,
        r#"<span class="invisible">https://</span><span class="ellipsis">github.com/mastodon/mastodon/p</span><span class="invisible">ull/12345/files#diff-abcdef</span></a></p>"#,
        r#"<p>Second paragraph<br>with a line break &amp; an ampersand</p>"#,
    );
    assert_eq!(clean(content), expected);
    assert_eq!(
        html_to_plain_text(content),
        "@Gargron have you seen #Rust? https://github.com/mastodon/mastodon/pull/12345/files#diff-abcdef\n\nSecond paragraph\nwith a line break & an ampersand"
    );
}

/// Hamlet's own rendering of a post (`text::render_post`) passes unchanged.
#[test]
fn hamlet_markup_passes_unchanged() {
    use hamlet_core::text::{MentionRef, PostContext, ResolvedMention, render_post};
    let alice = ResolvedMention {
        reference: MentionRef {
            username: "alice".into(),
            domain: None,
        },
        profile_url: "https://hamlet.test/@alice".into(),
    };
    let html = render_post(
        "@alice look: #Rust https://e.test/a?b=1&c=2\n<b> & 'q'\n\nbye",
        &PostContext {
            mentions: &[alice],
            tags_base_url: "https://hamlet.test",
        },
    );
    let out = clean(&html);
    // Only the hashtag link gains rel and target, and `'` is written as itself.
    let expected = html
        .replace(
            r#"class="mention hashtag" rel="tag""#,
            &format!(r#"class="mention hashtag" {REL_TARGET}"#),
        )
        .replace(
            r#"class="u-url mention""#,
            &format!(r#"class="u-url mention" {REL_TARGET}"#),
        )
        .replace("&#39;", "'");
    assert_eq!(out, expected);
}

/// A note captured from Mitra 5.9 (`shared/fixtures/activitypub/mitra/note.json`).
#[test]
fn a_mitra_note() {
    let content = r#"<p>Hello from a <a class="hashtag" href="http://127.0.0.1:8380/collections/tags/mitra" rel="tag noopener">#mitra</a> peer, see <a href="https://example.org" rel="noopener">https://example.org</a></p>"#;
    assert_eq!(
        clean(content),
        format!(
            r#"<p>Hello from a <a href="http://127.0.0.1:8380/collections/tags/mitra" class="hashtag" {REL_TARGET}>#mitra</a> peer, see <a href="https://example.org" {REL_TARGET}>https://example.org</a></p>"#
        )
    );
}

/// Misskey, Akkoma and Pleroma markup: their own classes, data attributes, inline styles
/// and emoji images go; microformats and text stay.
#[test]
fn misskey_and_akkoma_extras_are_stripped() {
    let misskey = concat!(
        r#"<p><span>hello </span><a href="https://misskey.test/@alice" class="u-url mention">@alice@misskey.test</a>"#,
        r#"<span> </span><span class="mfm _mfm_tada_" style="display: inline-block; animation: 1s linear infinite both tada">party</span>"#,
        r#"<br><i><span>slanted</span></i> <a href="https://misskey.test/tags/fedi" rel="tag">#fedi</a></p>"#,
    );
    assert_eq!(
        clean(misskey),
        format!(
            concat!(
                r#"<p><span>hello </span><a href="https://misskey.test/@alice" class="u-url mention" {rt}>@alice@misskey.test</a>"#,
                r#"<span> </span><span>party</span>"#,
                r#"<br><i><span>slanted</span></i> <a href="https://misskey.test/tags/fedi" {rt}>#fedi</a></p>"#,
            ),
            rt = REL_TARGET
        )
    );
    let akkoma = concat!(
        r#"<span class="h-card"><a class="u-url mention" data-user="AbC123" href="https://akkoma.test/users/bob" rel="ugc">@<span>bob</span></a></span> "#,
        r#"hi <img class="emoji" alt=":blobcat:" title=":blobcat:" src="https://akkoma.test/emoji/blobcat.png"/> "#,
        r#"<a class="hashtag status-link" data-tag="fedi" href="https://akkoma.test/tag/fedi" rel="tag ugc">#fedi</a>"#,
        r#"<div class="recipients-inline">to bob</div>"#,
    );
    assert_eq!(
        clean(akkoma),
        format!(
            concat!(
                r#"<span class="h-card"><a href="https://akkoma.test/users/bob" class="u-url mention" {rt}>@<span>bob</span></a></span> "#,
                r#"hi  <a href="https://akkoma.test/tag/fedi" class="hashtag" {rt}>#fedi</a> to bob"#,
            ),
            rt = REL_TARGET
        )
    );
}

#[test]
fn input_beyond_the_size_bound_is_cut() {
    let long = "a".repeat(MAX_HTML_BYTES + 1000);
    assert_eq!(clean(&long).len(), MAX_HTML_BYTES);
    // A tag cut in half at the bound is dropped, and open elements are closed.
    let mut cut = "x".repeat(MAX_HTML_BYTES - 20);
    cut.push_str("<p>para<a href=\"https://e.test/very/long/address\">link</a></p>");
    let out = clean(&cut);
    assert!(out.ends_with("<p>para</p>"), "{}", &out[out.len() - 40..]);
    // The cut falls on a character boundary.
    let wide = "é".repeat(MAX_HTML_BYTES);
    let out = clean(&wide);
    assert!(out.len() <= MAX_HTML_BYTES && out.chars().all(|c| c == 'é'));
}

fn depth_of(html: &str, element: &str) -> usize {
    let (open, close) = (format!("<{element}>"), format!("</{element}>"));
    let mut depth: usize = 0;
    let mut deepest = 0;
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        if rest.starts_with(&open) {
            depth += 1;
            deepest = deepest.max(depth);
        } else if rest.starts_with(&close) {
            depth -= 1;
        }
        rest = &rest[1..];
    }
    assert_eq!(depth, 0, "balanced");
    deepest
}

/// Generous: each of these tests takes a few seconds in a debug build on a busy
/// machine; without the bounds, the nested lists alone take html5ever minutes, and the
/// text full of `&` over 40 seconds.
const SLOW: Duration = Duration::from_secs(30);

#[test]
fn deep_nesting_is_bounded_in_depth_and_time() {
    // 100,000 nested spans: past the size bound too, so cut there first.
    let started = Instant::now();
    let out = clean(&"<span>".repeat(100_000));
    assert_eq!(out, "", "empty elements are dropped");
    let spans = "<span>".repeat(80_000) + "deep";
    let out = clean(&spans);
    assert_eq!(depth_of(&out, "span"), MAX_DEPTH);
    assert!(out.contains(">deep<"));
    // Patterns that are quadratic for html5ever's tree builder.
    let out = clean(&"<ul><li>x".repeat(50_000));
    assert!(depth_of(&out, "ul") <= MAX_DEPTH);
    assert_eq!(out.matches('x').count(), 50_000, "no text is lost");
    let out = clean(&"<blockquote>q".repeat(40_000));
    assert_eq!(depth_of(&out, "blockquote"), MAX_DEPTH);
    assert_eq!(clean(&"<div>".repeat(100_000)), "");
    assert!(started.elapsed() < SLOW, "took {:?}", started.elapsed());
}

#[test]
fn deep_but_balanced_input_keeps_its_shape_outside_the_bound() {
    let deep = format!(
        "{}x{}<b>after</b>",
        "<span>".repeat(MAX_DEPTH + 50),
        "</span>".repeat(MAX_DEPTH + 50)
    );
    let out = clean(&deep);
    assert_eq!(
        out,
        format!(
            "{}x{}<b>after</b>",
            "<span>".repeat(MAX_DEPTH),
            "</span>".repeat(MAX_DEPTH)
        )
    );
    let headings = format!("{}<h1>t</h1>y", "<span>".repeat(MAX_DEPTH - 1));
    assert!(clean(&headings).contains("ty"));
}

#[test]
fn reopened_formatting_does_not_multiply_output() {
    // For html5ever alone, 27 KB of this makes 28 MB of output and takes seconds.
    let mut html = String::from("<p>");
    for i in 0..2000 {
        html.push_str(&format!("<b c={i}>"));
    }
    html.push_str(&"<p>x".repeat(2000));
    let started = Instant::now();
    let out = clean(&html);
    assert!(out.len() < html.len() * 2, "{} bytes", out.len());
    assert_eq!(out.matches('x').count(), 2000);
    let html = "<a href=https://e.test/><div>".repeat(15_000);
    let out = clean(&html);
    assert_eq!(out.matches("<a ").count(), 15_000);
    assert!(out.len() < html.len() * 4, "{} bytes", out.len());
    assert!(started.elapsed() < SLOW, "took {:?}", started.elapsed());
}

#[test]
fn long_text_full_of_entities_is_not_slow() {
    let started = Instant::now();
    let text = "a &amp; b ".repeat(50_000);
    assert_eq!(clean(&text), text.trim_end());
    let title = format!(
        r#"<a href="https://e.test/" title="{}">x</a>"#,
        "&amp;".repeat(800)
    )
    .repeat(100);
    assert_eq!(clean(&title).matches("title=").count(), 100);
    let oversized = format!(r#"<a href="https://e.test/?{}">x</a>"#, "a".repeat(5000));
    assert_eq!(
        clean(&oversized),
        "x",
        "addresses longer than the bound are dropped"
    );
    assert!(started.elapsed() < SLOW, "took {:?}", started.elapsed());
}

#[test]
fn plain_text_of_html() {
    assert_eq!(
        html_to_plain_text("<p>a<br>b</p><p>c &amp; d &lt;e&gt;</p>"),
        "a\nb\n\nc & d <e>"
    );
    assert_eq!(
        html_to_plain_text("<p>a</p>\n\n  <p>  b   c </p>"),
        "a\n\nb c"
    );
    assert_eq!(html_to_plain_text("one<br><br>two"), "one\n\ntwo");
    assert_eq!(
        html_to_plain_text("<ul><li>a</li><li>b</li></ul>after"),
        "a\nb\n\nafter"
    );
    assert_eq!(html_to_plain_text("<h1>T</h1>body"), "T\n\nbody");
    assert_eq!(html_to_plain_text("<div>a</div><div>b</div>"), "a\nb");
    assert_eq!(
        html_to_plain_text("<p>a</p><pre>\n  x\n    y</pre>z"),
        "a\n\n  x\n    y\n\nz"
    );
    assert_eq!(
        html_to_plain_text("<script>alert(1)</script><style>p{}</style>x<!-- c -->y"),
        "xy"
    );
    assert_eq!(
        html_to_plain_text("<b>bold</b><i>it</i> <span>s</span>"),
        "boldit s"
    );
    assert_eq!(html_to_plain_text("a&nbsp;b&copy;&#x1F600;"), "a\u{a0}b©😀");
    assert_eq!(html_to_plain_text(""), "");
    assert_eq!(html_to_plain_text("plain text"), "plain text");
}

#[test]
fn plain_text_fields() {
    assert_eq!(
        remote_plain_text(
            "  CW: <b>spoilers</b> &amp;\r\nline two\rthree\u{0}\u{7f}\u{85}\t.  ",
            500
        ),
        "CW: <b>spoilers</b> &amp;\nline two\nthree\t."
    );
    assert_eq!(
        remote_single_line("\n Ada\nLovelace\t\u{1b}[31m ", 100),
        "Ada Lovelace [31m"
    );
    assert_eq!(
        remote_plain_text("ünïcödé", 3),
        "ünï",
        "counted in characters"
    );
    assert_eq!(
        remote_plain_text("abc   def", 5),
        "abc",
        "trimmed after cutting"
    );
    assert_eq!(
        remote_plain_text("👩‍👩‍👧 family", 100),
        "👩‍👩‍👧 family",
        "joiners stay"
    );
    assert_eq!(remote_plain_text("\u{0}\u{1}", 10), "");
    let huge = "x".repeat(1_000_000);
    assert_eq!(remote_plain_text(&huge, 30).len(), 30);
}
