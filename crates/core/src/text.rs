//! Plain text written by members, rendered as the small, safe HTML Mastodon clients
//! display: escaped, split into paragraphs and line breaks, with web addresses linked.

/// Renders `text` as HTML. Everything the member typed is escaped; the only markup is
/// ours (`<p>`, `<br>`, and `<a>` for `http(s)://` addresses).
pub fn plain_to_html(text: &str) -> String {
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
            linkify_line(line, &mut out);
        }
        out.push_str("</p>");
    }
    out
}

/// Renders a profile field value: one line, escaped, addresses linked.
pub fn inline_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    linkify_line(text, &mut out);
    out
}

fn linkify_line(line: &str, out: &mut String) {
    let mut rest = line;
    while let Some(start) = find_url_start(rest) {
        escape_into(&rest[..start], out);
        let candidate = &rest[start..];
        let end = url_end(candidate);
        let url = &candidate[..end];
        if url.len() > "https://".len() {
            out.push_str("<a href=\"");
            escape_into(url, out);
            out.push_str("\" rel=\"nofollow noopener noreferrer\" target=\"_blank\">");
            escape_into(url, out);
            out.push_str("</a>");
        } else {
            escape_into(url, out);
        }
        rest = &candidate[end..];
    }
    escape_into(rest, out);
}

fn find_url_start(s: &str) -> Option<usize> {
    let http = s.find("http://");
    let https = s.find("https://");
    let start = match (http, https) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    // Only at a word boundary, so that "xhttp://" is not treated as a link.
    let boundary = s[..start]
        .chars()
        .next_back()
        .is_none_or(|c| c.is_whitespace() || "([<\"'".contains(c));
    if boundary {
        Some(start)
    } else {
        let skip = start + 4;
        find_url_start(&s[skip..]).map(|i| i + skip)
    }
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
