//! Plain text written by members, rendered as the small, safe HTML Mastodon clients
//! display: escaped, split into paragraphs and line breaks, with web addresses linked.

/// Renders `text` as HTML. Everything the member typed is escaped; the only markup is
/// ours (`<p>`, `<br>`, and `<a>` for `http(s)://` addresses). Used for profile bios.
pub fn plain_to_html(text: &str) -> String {
    render_paragraphs(text, &mut |token, out| match token {
        Token::Url(url) => link_into(url, out),
        Token::Text(t) | Token::Mention(t, _) | Token::Hashtag(t, _) => escape_into(t, out),
    })
}

/// Renders a profile field value: one line, escaped, addresses linked.
pub fn inline_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for token in tokenize(text) {
        match token {
            Token::Url(url) => link_into(url, &mut out),
            Token::Text(t) | Token::Mention(t, _) | Token::Hashtag(t, _) => {
                escape_into(t, &mut out)
            }
        }
    }
    out
}

/// A mention as written: `@user` or `@user@domain`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MentionRef {
    pub username: String,
    /// Lowercase; `None` when the mention names no domain.
    pub domain: Option<String>,
}

/// A mention that names a known account, and where its profile is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedMention {
    pub reference: MentionRef,
    pub profile_url: String,
}

/// What rendering a post needs from outside: which mentions name real accounts, and
/// where hashtag pages live (`{base}/tags/{name}`).
pub struct PostContext<'a> {
    pub mentions: &'a [ResolvedMention],
    pub tags_base_url: &'a str,
}

/// The mentions in `text`, each once, in order of first appearance.
pub fn extract_mentions(text: &str) -> Vec<MentionRef> {
    let mut found: Vec<MentionRef> = Vec::new();
    for token in tokenize(text) {
        if let Token::Mention(_, reference) = token
            && !found.contains(&reference)
        {
            found.push(reference);
        }
    }
    found
}

/// The hashtags in `text` (without `#`), each once regardless of case, as first written.
pub fn extract_hashtags(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for token in tokenize(text) {
        if let Token::Hashtag(_, name) = token
            && !found
                .iter()
                .any(|f| f.to_lowercase() == name.to_lowercase())
        {
            found.push(name.to_owned());
        }
    }
    found
}

/// Renders a post: escaped text in paragraphs, links, resolved mentions as profile
/// links (unresolved ones stay text), hashtags as links to their pages.
pub fn render_post(text: &str, context: &PostContext<'_>) -> String {
    render_paragraphs(text, &mut |token, out| match token {
        Token::Url(url) => link_into(url, out),
        Token::Text(t) => escape_into(t, out),
        Token::Mention(written, reference) => {
            match context.mentions.iter().find(|m| m.reference == reference) {
                Some(mention) => {
                    out.push_str("<span class=\"h-card\" translate=\"no\"><a href=\"");
                    escape_into(&mention.profile_url, out);
                    out.push_str("\" class=\"u-url mention\">@<span>");
                    escape_into(&reference.username, out);
                    out.push_str("</span></a></span>");
                }
                None => escape_into(written, out),
            }
        }
        Token::Hashtag(_, name) => {
            out.push_str("<a href=\"");
            escape_into(context.tags_base_url.trim_end_matches('/'), out);
            out.push_str("/tags/");
            escape_into(&name.to_lowercase(), out);
            out.push_str("\" class=\"mention hashtag\" rel=\"tag\">#<span>");
            escape_into(name, out);
            out.push_str("</span></a>");
        }
    })
}

fn render_paragraphs(text: &str, emit: &mut dyn FnMut(Token<'_>, &mut String)) -> String {
    let normalized = text.replace("\r\n", "\n");
    let mut out = String::with_capacity(normalized.len() + 16);
    for paragraph in normalized
        .split("\n\n")
        .map(|p| p.trim_matches('\n'))
        .filter(|p| !p.trim().is_empty())
    {
        out.push_str("<p>");
        for (i, line) in paragraph.split('\n').enumerate() {
            if i > 0 {
                out.push_str("<br>");
            }
            for token in tokenize(line) {
                emit(token, &mut out);
            }
        }
        out.push_str("</p>");
    }
    out
}

fn link_into(url: &str, out: &mut String) {
    out.push_str("<a href=\"");
    escape_into(url, out);
    out.push_str("\" rel=\"nofollow noopener noreferrer\" target=\"_blank\">");
    escape_into(url, out);
    out.push_str("</a>");
}

/// A piece of a line of text.
#[derive(Debug, PartialEq, Eq)]
enum Token<'a> {
    Text(&'a str),
    Url(&'a str),
    /// As written, and what it names.
    Mention(&'a str, MentionRef),
    /// As written (with `#`), and the name.
    Hashtag(&'a str, &'a str),
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits a line into text, addresses, mentions and hashtags. Mentions and hashtags
/// start only after a character that cannot be part of a word or an address, so that
/// `me@example.com` and `page#section` stay text.
fn tokenize(line: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    let mut previous: Option<char> = None;
    while i < line.len() {
        let rest = &line[i..];
        let c = rest.chars().next().expect("i is on a char boundary");
        let at_boundary =
            previous.is_none_or(|p| !is_word_char(p) && p != '/' && p != '@' && p != '#');
        let found = if !at_boundary {
            None
        } else if rest.starts_with("http://") || rest.starts_with("https://") {
            let end = url_end(rest);
            (end > "https://".len()).then(|| (end, Token::Url(&rest[..end])))
        } else if c == '@' {
            mention_at(rest).map(|(end, reference)| (end, Token::Mention(&rest[..end], reference)))
        } else if c == '#' {
            hashtag_at(rest).map(|end| (end, Token::Hashtag(&rest[..end], &rest[1..end])))
        } else {
            None
        };
        match found {
            Some((length, token)) => {
                if text_start < i {
                    tokens.push(Token::Text(&line[text_start..i]));
                }
                tokens.push(token);
                i += length;
                text_start = i;
                previous = line[..i].chars().next_back();
            }
            None => {
                previous = Some(c);
                i += c.len_utf8();
            }
        }
    }
    if text_start < line.len() {
        tokens.push(Token::Text(&line[text_start..]));
    }
    tokens
}

fn url_end(s: &str) -> usize {
    let mut end = s
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || "<>\"".contains(*c))
        .map_or(s.len(), |(i, _)| i);
    // Trailing punctuation belongs to the sentence, not the address.
    while let Some(c) = s[..end].chars().next_back() {
        if ".,;:!?)]'".contains(c) {
            end -= c.len_utf8();
        } else {
            break;
        }
    }
    end
}

fn mention_at(rest: &str) -> Option<(usize, MentionRef)> {
    let body = &rest[1..];
    let user_len = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    if user_len == 0 {
        return None;
    }
    let username = &body[..user_len];
    let after = &body[user_len..];
    let mut end = 1 + user_len;
    let mut domain = None;
    if let Some(host_part) = after.strip_prefix('@') {
        let host_len = host_part
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
            .unwrap_or(host_part.len());
        let host = host_part[..host_len].trim_end_matches(['.', '-']);
        if host.contains('.') && !host.starts_with(['.', '-']) {
            // A port belongs to the handle (`@bob@example.net:8443`), as Hamlet writes
            // handles of servers on non-default ports; `@bob@example.net: hi` has none.
            let port_len = host_part[host.len()..]
                .strip_prefix(':')
                .map(|p| p.find(|c: char| !c.is_ascii_digit()).unwrap_or(p.len()))
                .filter(|len| (1..=5).contains(len))
                .map_or(0, |len| len + 1);
            let handle = &host_part[..host.len() + port_len];
            domain = Some(handle.to_ascii_lowercase());
            end += 1 + handle.len();
        }
    }
    // `@user` glued to more word characters (`@user@`, `@userx`) is not a mention.
    if rest[end..]
        .chars()
        .next()
        .is_some_and(|c| is_word_char(c) || c == '@')
    {
        return None;
    }
    Some((
        end,
        MentionRef {
            username: username.to_owned(),
            domain,
        },
    ))
}

fn hashtag_at(rest: &str) -> Option<usize> {
    let body = &rest[1..];
    let len = body.find(|c: char| !is_word_char(c)).unwrap_or(body.len());
    let name = &body[..len];
    (name.chars().any(char::is_alphabetic) && name.chars().count() <= 100).then_some(1 + len)
}

pub fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_line_breaks() {
        assert_eq!(plain_to_html("a\nb\n\nc"), "<p>a<br>b</p><p>c</p>");
        assert_eq!(plain_to_html(""), "");
        assert_eq!(plain_to_html("\n\n\n"), "");
    }

    #[test]
    fn escapes_everything_typed() {
        assert_eq!(
            plain_to_html("<script>alert('x')</script> & \"q\""),
            "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;</p>"
        );
    }

    fn context<'a>(mentions: &'a [ResolvedMention]) -> PostContext<'a> {
        PostContext {
            mentions,
            tags_base_url: "https://hamlet.test",
        }
    }

    #[test]
    fn finds_mentions_and_hashtags_only_at_word_starts() {
        let text = "hi @alice and @Bob@Remote.Example, mail me@example.com, see page#top \
                    or https://x.test/#frag @alice #Rust #rust #2024 #café_au_lait.";
        assert_eq!(
            extract_mentions(text),
            vec![
                MentionRef {
                    username: "alice".into(),
                    domain: None
                },
                MentionRef {
                    username: "Bob".into(),
                    domain: Some("remote.example".into())
                },
            ]
        );
        assert_eq!(extract_hashtags(text), vec!["Rust", "café_au_lait"]);
        assert!(extract_mentions("@al-ice @ @_ok").contains(&MentionRef {
            username: "_ok".into(),
            domain: None
        }));
        assert!(extract_mentions("x@y").is_empty());
        assert_eq!(
            extract_mentions("@bob@127.0.0.1:8443 hi, @carol@remote.example: hello"),
            vec![
                MentionRef {
                    username: "bob".into(),
                    domain: Some("127.0.0.1:8443".into())
                },
                MentionRef {
                    username: "carol".into(),
                    domain: Some("remote.example".into())
                },
            ]
        );
        assert!(extract_mentions("@alice@").is_empty());
    }

    #[test]
    fn renders_resolved_mentions_hashtags_and_links() {
        let alice = ResolvedMention {
            reference: MentionRef {
                username: "alice".into(),
                domain: None,
            },
            profile_url: "https://hamlet.test/@alice".into(),
        };
        let html = render_post(
            "@alice @nobody look: #Rust https://e.test\n<b>",
            &context(&[alice]),
        );
        assert_eq!(
            html,
            "<p><span class=\"h-card\" translate=\"no\"><a href=\"https://hamlet.test/@alice\" class=\"u-url mention\">@<span>alice</span></a></span> @nobody look: <a href=\"https://hamlet.test/tags/rust\" class=\"mention hashtag\" rel=\"tag\">#<span>Rust</span></a> <a href=\"https://e.test\" rel=\"nofollow noopener noreferrer\" target=\"_blank\">https://e.test</a><br>&lt;b&gt;</p>"
        );
    }

    #[test]
    fn links_addresses_but_not_their_punctuation() {
        assert_eq!(
            inline_to_html("see https://example.com/a?b=1&c=2."),
            "see <a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"nofollow noopener noreferrer\" target=\"_blank\">https://example.com/a?b=1&amp;c=2</a>."
        );
        assert_eq!(inline_to_html("javascript:alert(1)"), "javascript:alert(1)");
        assert_eq!(inline_to_html("xhttp://a.b"), "xhttp://a.b");
        assert_eq!(
            inline_to_html("\"https://e.com\"><img>"),
            "&quot;<a href=\"https://e.com\" rel=\"nofollow noopener noreferrer\" target=\"_blank\">https://e.com</a>&quot;&gt;&lt;img&gt;"
        );
    }
}
