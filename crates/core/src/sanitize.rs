//! HTML and text sent by other servers, made safe to store and to show.
//!
//! Remote servers are untrusted: every piece of HTML they send (post content, profile
//! notes, profile field values) passes [`sanitize_remote_html`] before it is stored or
//! served, and every field that Mastodon treats as plain text (display names, content
//! warnings, media descriptions) passes [`remote_plain_text`] or [`remote_single_line`].
//!
//! # What remote HTML keeps
//!
//! The rules are Mastodon's (`Sanitize::Config::MASTODON_STRICT`), so that a post looks
//! the same to a member of Hamlet as to a member of a Mastodon server:
//!
//! - Elements: `p br span a del s pre blockquote code b strong u i em ul ol li ruby rt
//!   rp sub sup abbr`. Headings `h1`–`h6` become `<p><strong>…</strong></p>` (what
//!   Mastodon did up to 4.2; later versions keep `h1`–`h5`, which many apps do not
//!   style). Every other element is unwrapped: its text stays, its tags go.
//! - Removed with their content: `script style xmp iframe noembed noframes noscript
//!   template plaintext svg math`, comments and doctypes. `math` that carries a LaTeX or
//!   plain-text `<annotation>` (FEP-dc88) becomes that text: `$…$`, or `$$…$$` for
//!   `display="block"`.
//! - Unwrapped block elements (`div`, `section`, table cells, …) leave a space, so that
//!   words on either side of them do not run together.
//! - `a` keeps `href` only with a scheme in [`LINK_SCHEMES`] (written directly at the
//!   start of the value: no leading space, no relative or protocol-relative links), and
//!   a link without such an `href` is unwrapped. Kept links always get
//!   `rel="nofollow noopener noreferrer"` and `target="_blank"`, whatever they had.
//! - Attributes: `a`: `href class title translate`; `span`: `class translate`; `p`:
//!   `class`; `blockquote`: `cite` (same schemes as links); `ol`: `start reversed`; `li`:
//!   `value`; `abbr`: `title`. `translate` survives only as `translate="no"`, `start`
//!   and `value` only as integers. Nothing else: no `style`, no `on*`, no `id`, no
//!   `data-*`, no `lang`.
//! - Classes: only microformats (`h-*`, `p-*`, `u-*`, `dt-*`, `e-*`) and `mention`,
//!   `hashtag`, `ellipsis`, `invisible`, `quote-inline`; an emptied `class` is dropped.
//! - Elements left empty are dropped (`li` excepted), and so are `img` (Mastodon turns
//!   an image into a link to it; we do not).
//!
//! Where this differs from Mastodon on purpose: `rel` is the longer
//! `nofollow noopener noreferrer` our own rendering uses (Mastodon now writes
//! `nofollow noopener`), `lang` is not kept, and attribute values are checked more
//! strictly (integers, `translate="no"`, bounded lengths).
//!
//! # How
//!
//! html5ever's tokenizer reads the input exactly as a browser would, and a reduced tree
//! builder re-emits it as a *canonical* fragment: only the elements and attributes
//! above, attribute values validated and escaped, every element explicitly closed in
//! order, nesting at most [`MAX_DEPTH`] deep. ammonia then parses that fragment as a
//! browser would, checks every element, attribute and URL against the same allowlist
//! again, and serializes well-formed HTML: sanitizing the result again changes nothing.
//!
//! The first step is also what keeps the cost linear. html5ever's tree builder walks
//! its stack of open elements for many tags, so input like 50,000 nested `<ul><li>`
//! costs it seconds, and reopening formatting elements can turn 27 KB into 28 MB;
//! after the first step the stack it walks is never deeper than [`MAX_DEPTH`] (plus the
//! few formatting elements the parser may reopen), and every element is closed where
//! it ends. html5ever's serializer is quadratic in the length of a text node or
//! attribute value full of `&`: text reaches ammonia in short runs (`HtmlOut::text`)
//! and attribute values are bounded.
//!
//! # Bounds
//!
//! - Input longer than [`MAX_HTML_BYTES`] is cut at that length (on a character
//!   boundary) before anything else, and only the part before the cut is kept: a tag cut
//!   in half is dropped, elements left open are closed.
//! - Elements nested deeper than [`MAX_DEPTH`] are unwrapped (their text is kept).
//! - Attribute values longer than [`MAX_ATTRIBUTE_BYTES`] are dropped (a link with a
//!   longer address is unwrapped).
//! - Output can be longer than input (links gain `rel` and `target`, `&` becomes
//!   `&amp;`), by a small factor.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use html5ever::TokenizerResult;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use crate::text::escape_into;

/// Remote HTML longer than this (in bytes) is cut here before it is sanitized.
pub const MAX_HTML_BYTES: usize = 512 * 1024;

/// How deeply kept elements may nest; deeper ones are unwrapped.
pub const MAX_DEPTH: usize = 64;

/// The URL schemes a link (`a href`, `blockquote cite`) may have. Mastodon's list.
pub const LINK_SCHEMES: [&str; 11] = [
    "http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini",
];

/// Attribute values longer than this (in bytes) are dropped; a link whose address is
/// longer is unwrapped.
pub const MAX_ATTRIBUTE_BYTES: usize = 4096;

/// Text is handed to ammonia in runs of at most this many bytes (see `HtmlOut::text`).
const TEXT_RUN_BYTES: usize = 256;

/// The `rel` every kept link carries.
pub const LINK_REL: &str = "nofollow noopener noreferrer";

/// Elements kept in remote HTML.
const KEPT: [&str; 23] = [
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

/// The attributes each kept element may carry, in the order they are written. `rel`
/// and `target` on `a` are never taken from the input: they are set.
const ATTRIBUTES: [(&str, &[&str]); 7] = [
    (
        "a",
        &["href", "class", "title", "translate", "rel", "target"],
    ),
    ("span", &["class", "translate"]),
    ("p", &["class"]),
    ("blockquote", &["cite"]),
    ("ol", &["start", "reversed"]),
    ("li", &["value"]),
    ("abbr", &["title"]),
];

/// Elements whose end tag another block-level start tag implies, or that stop the
/// search for an end tag's element (HTML's "special" category, as far as we keep it).
const SPECIAL: [&str; 6] = ["p", "li", "ul", "ol", "blockquote", "pre"];

/// Unwrapped elements that separate words: they leave a space behind (Mastodon's
/// sanitizer does the same).
const BLOCKS: [&str; 28] = [
    "address",
    "article",
    "aside",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "header",
    "hgroup",
    "hr",
    "main",
    "nav",
    "section",
    "summary",
    "table",
    "td",
    "th",
    "tr",
    "menu",
];

/// HTML start tags that end SVG or MathML content (the HTML standard's list for
/// foreign content).
const BREAKS_OUT_OF_FOREIGN: [&str; 44] = [
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "center",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "i",
    "img",
    "li",
    "listing",
    "menu",
    "meta",
    "nobr",
    "ol",
    "p",
    "pre",
    "ruby",
    "s",
    "small",
    "span",
    "strong",
    "strike",
    "sub",
    "sup",
    "table",
    "tt",
    "u",
    "ul",
    "var",
];

/// Sanitizes HTML from another server (see the module documentation for the rules).
/// The result is well-formed: sanitizing it again gives it back unchanged.
pub fn sanitize_remote_html(html: &str) -> String {
    let canonical = reduce(bounded(html), HtmlOut::default()).out;
    let cleaned = FINAL_GATE.clean(&canonical).to_string();
    // A parser drops a newline right after `<pre>`, and html5ever's serializer does not
    // write one back; `pre` never has attributes here, so the tag is always `<pre>`.
    let cleaned = cleaned.replace("<pre>\n", "<pre>\n\n");
    cleaned.trim_matches(is_html_space).to_owned()
}

/// The text of an HTML fragment, for search, filters and previews: tags dropped,
/// entities decoded, paragraphs and block elements separated by a blank line, list
/// items and `<br>` by a line break, runs of white space collapsed (except in `<pre>`).
/// Content that [`sanitize_remote_html`] removes (scripts, styles, SVG, …) is left out
/// here too, and the same bounds apply.
pub fn html_to_plain_text(html: &str) -> String {
    reduce(bounded(html), TextOut::default()).finish()
}

/// A plain-text field from another server (content warning, media description) that
/// may hold several lines: line ends normalized to `\n`, control characters other than
/// `\n` and `\t` removed, white space trimmed from both ends, at most `max_chars`
/// characters kept. HTML in it is not interpreted: it is text, and is escaped wherever
/// it is shown as HTML (`text::escape`).
pub fn remote_plain_text(text: &str, max_chars: usize) -> String {
    clean_text(text, max_chars, false)
}

/// A one-line plain-text field from another server (display name): like
/// [`remote_plain_text`], but line ends and tabs become spaces.
pub fn remote_single_line(text: &str, max_chars: usize) -> String {
    clean_text(text, max_chars, true)
}

fn clean_text(text: &str, max_chars: usize, single_line: bool) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars.saturating_mul(4)));
    let mut count = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let c = match c {
            '\r' if chars.peek() == Some(&'\n') => continue,
            '\r' | '\n' | '\t' if single_line => ' ',
            '\r' => '\n',
            '\n' | '\t' => c,
            c if c.is_control() => continue,
            c => c,
        };
        if count == 0 && c.is_whitespace() {
            continue;
        }
        if count == max_chars {
            break;
        }
        out.push(c);
        count += 1;
    }
    out.truncate(out.trim_end().len());
    out
}

/// `html`, cut to at most [`MAX_HTML_BYTES`] on a character boundary.
fn bounded(html: &str) -> &str {
    if html.len() <= MAX_HTML_BYTES {
        return html;
    }
    let mut end = MAX_HTML_BYTES;
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    &html[..end]
}

fn is_html_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0C' | '\r')
}

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

fn kept(name: &str) -> Option<&'static str> {
    KEPT.iter().copied().find(|k| *k == name)
}

fn attributes_of(element: &str) -> &'static [&'static str] {
    ATTRIBUTES
        .iter()
        .find(|(e, _)| *e == element)
        .map_or(&[], |(_, a)| a)
}

/// The value an attribute keeps, if it may stay at all. The one rule for both steps:
/// the reducer writes only what this accepts, and ammonia checks it again.
fn check_attribute<'v>(element: &str, attribute: &str, value: &'v str) -> Option<Cow<'v, str>> {
    if value.len() > MAX_ATTRIBUTE_BYTES {
        return None;
    }
    let keep = match (element, attribute) {
        ("a" | "span" | "p", "class") => {
            let classes = allowed_classes(value);
            return (!classes.is_empty()).then_some(Cow::Owned(classes));
        }
        ("a", "href") | ("blockquote", "cite") => is_allowed_link(value),
        ("a", "rel") => value == LINK_REL,
        ("a", "target") => value == "_blank",
        ("a" | "span", "translate") => value == "no",
        ("a" | "abbr", "title") => true,
        ("ol", "start") | ("li", "value") => is_integer(value),
        ("ol", "reversed") => return Some(Cow::Borrowed("")),
        _ => false,
    };
    keep.then_some(Cow::Borrowed(value))
}

/// The classes Mastodon keeps: microformats, and the few its own markup uses.
fn allowed_classes(value: &str) -> String {
    value
        .split(is_html_space)
        .filter(|c| {
            ["h-", "p-", "u-", "dt-", "e-"]
                .iter()
                .any(|prefix| c.starts_with(prefix))
                || matches!(
                    *c,
                    "mention" | "hashtag" | "ellipsis" | "invisible" | "quote-inline"
                )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `value` is a link to keep: an absolute URL whose scheme, written at the very
/// start, is one of [`LINK_SCHEMES`], without control characters, that parses.
pub fn is_allowed_link(value: &str) -> bool {
    let Some((scheme, _)) = value.split_once(':') else {
        return false;
    };
    let well_formed = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    well_formed
        && LINK_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str())
        && !value.chars().any(char::is_control)
        && ammonia::Url::parse(value).is_ok_and(|url| url.scheme().eq_ignore_ascii_case(scheme))
}

fn is_integer(value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    (1..=9).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// ammonia, configured with the same allowlist: the last word on what may pass.
static FINAL_GATE: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tag_attributes: HashMap<&str, HashSet<&str>> = ATTRIBUTES
        .iter()
        .map(|(element, attributes)| (*element, attributes.iter().copied().collect()))
        .collect();
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(KEPT.into_iter().collect())
        .clean_content_tags(["script", "style"].into_iter().collect())
        .tag_attributes(tag_attributes)
        .tag_attribute_values(HashMap::new())
        .set_tag_attribute_values(HashMap::new())
        .generic_attributes(HashSet::new())
        .generic_attribute_prefixes(HashSet::new())
        .allowed_classes(HashMap::new())
        .url_schemes(LINK_SCHEMES.into_iter().collect())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(None)
        .strip_comments(true)
        .id_prefix(None)
        .attribute_filter(check_attribute);
    builder
});

/// Runs html5ever's tokenizer over `html` into a [`Reducer`] writing to `emit`.
fn reduce<E: Emit>(html: &str, emit: E) -> E {
    let tokenizer = Tokenizer::new(
        Reducer {
            state: RefCell::new(State {
                emit,
                open: Vec::new(),
                overflow: Vec::new(),
                mode: Mode::Normal,
            }),
        },
        TokenizerOpts::default(),
    );
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from_slice(html));
    // The reducer never asks the tokenizer to pause for a script, so this runs once.
    while !matches!(tokenizer.feed(&queue), TokenizerResult::Done) {}
    tokenizer.end();
    let mut state = tokenizer.sink.state.into_inner();
    state.finish();
    state.emit
}

/// Where the reducer writes: canonical HTML, or plain text.
trait Emit {
    fn open(&mut self, element: &'static str, attributes: &[(&'static str, String)]);
    fn close(&mut self, element: &'static str);
    fn text(&mut self, text: &str);
    /// `<br>`.
    fn line_break(&mut self);
    /// An unwrapped block-level element starts or ends here.
    fn block_boundary(&mut self);
}

#[derive(Default)]
struct HtmlOut {
    out: String,
    /// For each open element: where its start tag begins, and whether anything is in
    /// it yet. An element closed empty is dropped instead of written (`li` excepted:
    /// an empty item still shows).
    open: Vec<(usize, bool)>,
    /// Bytes of text written since the last tag.
    run: usize,
}

impl HtmlOut {
    fn filled(&mut self) {
        if let Some((_, filled)) = self.open.last_mut() {
            *filled = true;
        }
    }
}

impl Emit for HtmlOut {
    fn open(&mut self, element: &'static str, attributes: &[(&'static str, String)]) {
        self.open.push((self.out.len(), element == "li"));
        self.run = 0;
        self.out.push('<');
        self.out.push_str(element);
        for (name, value) in attributes {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            escape_into(value, &mut self.out);
            self.out.push('"');
        }
        self.out.push('>');
    }

    fn close(&mut self, element: &'static str) {
        if let Some((start, false)) = self.open.pop() {
            self.out.truncate(start);
            return;
        }
        self.out.push_str("</");
        self.out.push_str(element);
        self.out.push('>');
        self.run = 0;
        self.filled();
    }

    /// Writes text, with an empty comment after every [`TEXT_RUN_BYTES`] of it. The
    /// comments split the text into separate nodes in the DOM ammonia builds (and
    /// removes them again), because html5ever's serializer takes time quadratic in the
    /// length of a text node full of `&`.
    fn text(&mut self, mut text: &str) {
        if text.is_empty() {
            return;
        }
        self.filled();
        while self.run + text.len() > TEXT_RUN_BYTES {
            let mut cut = TEXT_RUN_BYTES.saturating_sub(self.run);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            escape_into(&text[..cut], &mut self.out);
            self.out.push_str("<!---->");
            self.run = 0;
            text = &text[cut..];
        }
        escape_into(text, &mut self.out);
        self.run += text.len();
    }

    fn line_break(&mut self) {
        self.filled();
        self.run = 0;
        self.out.push_str("<br>");
    }

    fn block_boundary(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with(is_html_space) {
            self.filled();
            self.out.push(' ');
        }
    }
}

#[derive(Default)]
struct TextOut {
    out: String,
    /// Line breaks owed before the next text.
    breaks: usize,
    /// White space seen since the last text.
    space: bool,
    /// How many `pre` elements are open.
    pre: usize,
    /// Just after `<pre>`, where a newline is not content.
    pre_start: bool,
}

impl TextOut {
    fn at_least(&mut self, breaks: usize) {
        self.breaks = self.breaks.max(breaks);
    }

    /// Writes the owed line breaks (none at the very start).
    fn settle(&mut self) {
        if self.breaks > 0 {
            if !self.out.is_empty() {
                self.out.truncate(self.out.trim_end_matches(' ').len());
                for _ in 0..self.breaks {
                    self.out.push('\n');
                }
            }
            self.breaks = 0;
            self.space = false;
        } else if self.space {
            if !self.out.is_empty() && !self.out.ends_with([' ', '\n']) {
                self.out.push(' ');
            }
            self.space = false;
        }
    }

    fn finish(self) -> String {
        self.out.trim().to_owned()
    }
}

impl Emit for TextOut {
    fn open(&mut self, element: &'static str, _attributes: &[(&'static str, String)]) {
        self.pre_start = false;
        match element {
            "p" | "blockquote" | "ul" | "ol" => self.at_least(2),
            "pre" => {
                self.at_least(2);
                self.pre += 1;
                self.pre_start = true;
            }
            "li" => self.at_least(1),
            _ => {}
        }
    }

    fn close(&mut self, element: &'static str) {
        match element {
            "p" | "blockquote" | "ul" | "ol" => self.at_least(2),
            "pre" => {
                self.at_least(2);
                self.pre = self.pre.saturating_sub(1);
            }
            "li" => self.at_least(1),
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        if self.pre > 0 {
            let text = if std::mem::take(&mut self.pre_start) {
                text.strip_prefix('\n').unwrap_or(text)
            } else {
                text
            };
            if !text.is_empty() {
                self.settle();
                self.out.push_str(text);
            }
            return;
        }
        for c in text.chars() {
            if is_html_space(c) {
                self.space = true;
            } else {
                self.settle();
                self.out.push(c);
            }
        }
    }

    fn line_break(&mut self) {
        self.breaks += 1;
    }

    fn block_boundary(&mut self) {
        self.at_least(1);
    }
}

/// The tokenizer's sink: a reduced HTML tree builder that keeps only allowlisted
/// elements and writes them back balanced and bounded in depth.
struct Reducer<E> {
    state: RefCell<State<E>>,
}

struct State<E> {
    emit: E,
    /// Kept elements open, outermost first; never more than [`MAX_DEPTH`].
    open: Vec<Open>,
    /// Elements unwrapped for being too deep, innermost last, so that their end tags
    /// close nothing else. Emptied whenever an open element closes.
    overflow: Vec<&'static str>,
    mode: Mode,
}

#[derive(Clone, Copy)]
struct Open {
    name: &'static str,
    /// Part of the `<p><strong>` a heading became.
    heading: bool,
}

impl Open {
    fn is_special(self) -> bool {
        SPECIAL.contains(&self.name)
    }
}

enum Mode {
    Normal,
    /// Inside an element removed with its content, read by the tokenizer as raw text
    /// (`script`, `style`, …), until its end tag.
    Raw(&'static str),
    /// Inside `template` (content removed), with the number of nested templates.
    Template(usize),
    /// Inside SVG or MathML (content removed).
    Foreign(Foreign),
    /// After `<plaintext>` or the end of input: nothing more is kept.
    Done,
}

struct Foreign {
    root: &'static str,
    /// Nested elements named like the root.
    depth: usize,
    /// `<math display="block">`.
    block: bool,
    /// The annotation being read, and its text so far.
    reading: Option<(Annotation, String)>,
    tex: Option<String>,
    plain: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Annotation {
    Tex,
    Plain,
}

fn attribute<'t>(tag: &'t Tag, name: &str) -> Option<&'t str> {
    tag.attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| &*a.value)
}

/// The attributes `element` keeps from `tag`, checked, in their canonical order.
fn kept_attributes(element: &'static str, tag: &Tag) -> Vec<(&'static str, String)> {
    let mut kept = Vec::new();
    for &name in attributes_of(element) {
        if element == "a" && matches!(name, "rel" | "target") {
            continue;
        }
        if let Some(value) = attribute(tag, name).and_then(|v| check_attribute(element, name, v)) {
            kept.push((name, value.into_owned()));
        }
    }
    if element == "a" {
        kept.push(("rel", LINK_REL.to_owned()));
        kept.push(("target", "_blank".to_owned()));
    }
    kept
}

impl<E: Emit> TokenSink for Reducer<E> {
    type Handle = ();

    fn process_token(&self, token: Token, _line_number: u64) -> TokenSinkResult<()> {
        let mut state = self.state.borrow_mut();
        match token {
            Token::TagToken(tag) => match tag.kind {
                TagKind::StartTag => return state.start_tag(&tag),
                TagKind::EndTag => state.end_tag(&tag),
            },
            Token::CharacterTokens(text) => state.text(&text),
            Token::EOFToken => state.finish(),
            // NUL characters, comments, doctypes and parse errors leave nothing.
            _ => {}
        }
        TokenSinkResult::Continue
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        // Lets the tokenizer read `<![CDATA[…]]>` inside SVG and MathML as browsers do.
        matches!(self.state.borrow().mode, Mode::Foreign(_))
    }
}

/// How the tokenizer must read the content of `name`, for elements whose content is
/// not markup.
fn raw_kind(name: &str) -> Option<RawKind> {
    match name {
        "script" => Some(RawKind::ScriptData),
        "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => Some(RawKind::Rawtext),
        "title" | "textarea" => Some(RawKind::Rcdata),
        _ => None,
    }
}

impl<E: Emit> State<E> {
    fn start_tag(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name = &*tag.name;
        match &mut self.mode {
            Mode::Normal => {}
            Mode::Raw(_) | Mode::Done => return TokenSinkResult::Continue,
            Mode::Template(depth) => {
                if name == "template" && !tag.self_closing {
                    *depth += 1;
                }
                if name == "plaintext" {
                    self.mode = Mode::Done;
                    return TokenSinkResult::Plaintext;
                }
                return raw_kind(name).map_or(TokenSinkResult::Continue, TokenSinkResult::RawData);
            }
            Mode::Foreign(foreign) => {
                if !BREAKS_OUT_OF_FOREIGN.contains(&name) {
                    if name == foreign.root && !tag.self_closing {
                        foreign.depth += 1;
                    }
                    if foreign.root == "math" && name == "annotation" && foreign.reading.is_none() {
                        let kind = match attribute(tag, "encoding").map(str::trim) {
                            Some(e) if e.eq_ignore_ascii_case("application/x-tex") => {
                                Some(Annotation::Tex)
                            }
                            Some(e) if e.eq_ignore_ascii_case("text/plain") => {
                                Some(Annotation::Plain)
                            }
                            _ => None,
                        };
                        foreign.reading = kind.map(|k| (k, String::new()));
                    }
                    return TokenSinkResult::Continue;
                }
                self.leave_foreign();
            }
        }
        self.start_in_body(tag)
    }

    fn start_in_body(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name = &*tag.name;
        match name {
            "script" | "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
                let kind = raw_kind(name).expect("raw element");
                self.mode = Mode::Raw(match name {
                    "script" => "script",
                    "style" => "style",
                    "xmp" => "xmp",
                    "iframe" => "iframe",
                    "noembed" => "noembed",
                    "noframes" => "noframes",
                    _ => "noscript",
                });
                return TokenSinkResult::RawData(kind);
            }
            // Unwrapped, but their text is kept: read it as text, as browsers do.
            "title" | "textarea" => return TokenSinkResult::RawData(RawKind::Rcdata),
            "plaintext" => {
                self.mode = Mode::Done;
                return TokenSinkResult::Plaintext;
            }
            "template" if !tag.self_closing => self.mode = Mode::Template(0),
            "svg" | "math" if !tag.self_closing => {
                self.mode = Mode::Foreign(Foreign {
                    root: if name == "svg" { "svg" } else { "math" },
                    depth: 0,
                    block: attribute(tag, "display").is_some_and(|d| d.trim() == "block"),
                    reading: None,
                    tex: None,
                    plain: None,
                });
            }
            "br" => self.emit.line_break(),
            "a" => {
                // Links do not nest: a new one ends the one open.
                if let Some(i) = self.open.iter().rposition(|o| o.name == "a") {
                    self.pop_to(i);
                }
                if attribute(tag, "href").is_some_and(|v| check_attribute("a", "href", v).is_some())
                {
                    self.push("a", false, kept_attributes("a", tag));
                }
            }
            _ if is_heading(name) => {
                self.close_p();
                if self.open.len() + 2 > MAX_DEPTH {
                    self.overflow.push("h");
                } else {
                    self.push("p", true, Vec::new());
                    self.push("strong", true, Vec::new());
                }
            }
            "p" | "ul" | "ol" | "blockquote" | "pre" => {
                self.close_p();
                let element = kept(name).expect("kept block");
                self.push(element, false, kept_attributes(element, tag));
            }
            "li" => {
                for i in (0..self.open.len()).rev() {
                    let open = self.open[i];
                    if open.name == "li" {
                        self.pop_to(i);
                        break;
                    }
                    if open.is_special() && open.name != "p" {
                        break;
                    }
                }
                self.close_p();
                self.push("li", false, kept_attributes("li", tag));
            }
            "rt" | "rp" => {
                if self.open.iter().any(|o| o.name == "ruby") {
                    while let Some(top) = self.open.last()
                        && matches!(top.name, "p" | "li" | "rt" | "rp")
                        && !top.heading
                    {
                        self.pop_to(self.open.len() - 1);
                    }
                }
                let element = kept(name).expect("kept ruby text");
                self.push(element, false, Vec::new());
            }
            _ => {
                if let Some(element) = kept(name) {
                    self.push(element, false, kept_attributes(element, tag));
                } else if BLOCKS.contains(&name) {
                    self.emit.block_boundary();
                }
            }
        }
        TokenSinkResult::Continue
    }

    fn end_tag(&mut self, tag: &Tag) {
        let name = &*tag.name;
        match &mut self.mode {
            Mode::Normal => {}
            Mode::Done => return,
            Mode::Raw(until) => {
                if name == *until {
                    self.mode = Mode::Normal;
                }
                return;
            }
            Mode::Template(depth) => {
                if name == "template" {
                    match depth.checked_sub(1) {
                        Some(d) => *depth = d,
                        None => self.mode = Mode::Normal,
                    }
                }
                return;
            }
            Mode::Foreign(foreign) => {
                if name == foreign.root {
                    match foreign.depth.checked_sub(1) {
                        Some(d) => foreign.depth = d,
                        None => self.leave_foreign(),
                    }
                    return;
                }
                if name == "annotation" {
                    if let Some((kind, text)) = foreign.reading.take() {
                        let slot = match kind {
                            Annotation::Tex => &mut foreign.tex,
                            Annotation::Plain => &mut foreign.plain,
                        };
                        slot.get_or_insert(text);
                    }
                    return;
                }
                if !matches!(name, "p" | "br") {
                    return;
                }
                self.leave_foreign();
            }
        }
        self.end_in_body(name);
    }

    fn end_in_body(&mut self, name: &str) {
        let key = if is_heading(name) { "h" } else { name };
        if self.overflow.last() == Some(&key) {
            self.overflow.pop();
            return;
        }
        let found = match name {
            // `</br>` is read as `<br>`, by browsers too.
            "br" => {
                self.emit.line_break();
                None
            }
            _ if is_heading(name) => self.open.iter().rposition(|o| o.heading && o.name == "p"),
            "p" | "ul" | "ol" | "blockquote" | "pre" => {
                self.open.iter().rposition(|o| o.name == name && !o.heading)
            }
            "li" => self
                .open
                .iter()
                .rev()
                .take_while(|o| !matches!(o.name, "ul" | "ol"))
                .position(|o| o.name == "li")
                .map(|from_top| self.open.len() - 1 - from_top),
            _ if kept(name).is_some() => {
                let mut found = None;
                for (i, open) in self.open.iter().enumerate().rev() {
                    if open.name == name && !open.heading {
                        found = Some(i);
                        break;
                    }
                    if open.is_special() {
                        break;
                    }
                }
                found
            }
            _ => {
                if BLOCKS.contains(&name) {
                    self.emit.block_boundary();
                }
                None
            }
        };
        if let Some(i) = found {
            self.pop_to(i);
        }
    }

    fn text(&mut self, text: &str) {
        match &mut self.mode {
            Mode::Normal => {
                if text.contains('\0') {
                    self.emit.text(&text.replace('\0', ""));
                } else {
                    self.emit.text(text);
                }
            }
            Mode::Foreign(Foreign {
                reading: Some((_, read)),
                ..
            }) => read.push_str(text),
            _ => {}
        }
    }

    /// Ends SVG or MathML content; MathML leaves its annotation as text.
    fn leave_foreign(&mut self) {
        if let Mode::Foreign(foreign) = std::mem::replace(&mut self.mode, Mode::Normal) {
            let text = match (foreign.tex, foreign.plain) {
                (Some(tex), _) if foreign.block => format!("$${}$$", tex.trim()),
                (Some(tex), _) => format!("${}$", tex.trim()),
                (None, Some(plain)) => plain.trim().to_owned(),
                (None, None) => String::new(),
            };
            if !text.is_empty() {
                self.emit.text(&text);
            }
        }
    }

    fn push(&mut self, name: &'static str, heading: bool, attributes: Vec<(&'static str, String)>) {
        if self.open.len() >= MAX_DEPTH {
            self.overflow.push(name);
            return;
        }
        self.emit.open(name, &attributes);
        self.open.push(Open { name, heading });
    }

    /// Closes the open element at `index` and everything inside it.
    fn pop_to(&mut self, index: usize) {
        while self.open.len() > index {
            let open = self.open.pop().expect("open element");
            self.emit.close(open.name);
        }
        self.overflow.clear();
    }

    /// Closes an open paragraph, as a block-level start tag does.
    fn close_p(&mut self) {
        if let Some(i) = self.open.iter().rposition(|o| o.name == "p") {
            self.pop_to(i);
        }
    }

    fn finish(&mut self) {
        if matches!(self.mode, Mode::Foreign(_)) {
            self.leave_foreign();
        }
        self.mode = Mode::Done;
        self.pop_to(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_mastodon_markup() {
        assert_eq!(
            sanitize_remote_html("<p>Hello <b>there</b><br>friend</p>"),
            "<p>Hello <b>there</b><br>friend</p>"
        );
    }

    fn canonical(html: &str) -> String {
        reduce(html, HtmlOut::default()).out
    }

    #[test]
    fn the_reducer_writes_balanced_escaped_markup() {
        assert_eq!(canonical("<p>a<b>b<i>c"), "<p>a<b>b<i>c</i></b></p>");
        assert_eq!(canonical("<p>a<ul><li>b"), "<p>a</p><ul><li>b</li></ul>");
        assert_eq!(
            canonical("<li>1<li>2<p>x<li>3"),
            "<li>1</li><li>2<p>x</p></li><li>3</li>"
        );
        assert_eq!(canonical("<h2>t</h2>"), "<p><strong>t</strong></p>");
        assert_eq!(
            canonical("<p title=\"&quot;<>\">&lt;&amp;'"),
            "<p>&lt;&amp;&#39;</p>"
        );
        assert_eq!(
            canonical("<span><p>x</span>y</p>"),
            "<span><p>xy</p></span>"
        );
        let long = "&".repeat(TEXT_RUN_BYTES + 1);
        assert_eq!(
            canonical(&long),
            format!("{}<!---->&amp;", "&amp;".repeat(TEXT_RUN_BYTES))
        );
    }

    /// ammonia alone, given what the reducer would never write, still lets nothing
    /// dangerous through.
    #[test]
    fn the_final_gate_holds_on_its_own() {
        let out = FINAL_GATE
            .clean(concat!(
                r#"<a href="javascript:alert(1)" onclick="x" class="foo mention" rel="x">a</a>"#,
                r#"<a href="https://e.test/" target="_self" style="x">b</a>"#,
                r#"<script>s</script><style>t</style><img src=x onerror=y><svg onload=z></svg>"#,
                r#"<ol start="x" reversed="yes"><li value="2" id="i">c</li></ol>"#,
                r#"<blockquote cite="data:x">q</blockquote><div>d</div><!-- c -->"#,
            ))
            .to_string();
        assert_eq!(
            out,
            concat!(
                r#"<a class="mention">a</a><a href="https://e.test/">b</a>"#,
                r#"<ol reversed=""><li value="2">c</li></ol><blockquote>q</blockquote>d"#,
            )
        );
    }

    #[test]
    fn links_get_rel_and_target() {
        assert_eq!(
            sanitize_remote_html(r#"<a href="https://e.test/" rel="me" target="x">e</a>"#),
            r#"<a href="https://e.test/" rel="nofollow noopener noreferrer" target="_blank">e</a>"#
        );
    }

    #[test]
    fn classes_are_filtered() {
        assert_eq!(
            allowed_classes("h-card  foo u-url\tmention x-y"),
            "h-card u-url mention"
        );
        assert_eq!(allowed_classes("foo bar"), "");
        assert_eq!(
            sanitize_remote_html(r#"<span class="foo">x</span>"#),
            "<span>x</span>"
        );
    }

    #[test]
    fn link_check() {
        for ok in [
            "https://e.test",
            "HTTP://e.test/a b",
            "dweb:/a/foo",
            "magnet:?xt=urn:btih:abc",
            "gemini://g.test/",
            "xmpp:a@b.test",
        ] {
            assert!(is_allowed_link(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            " https://e.test",
            "/relative",
            "//e.test/x",
            "#top",
            "data:text/html,x",
            "java\nscript:alert(1)",
            "https://e.test/\u{0}",
            "ftp://e.test",
            "vbscript:x",
            "",
        ] {
            assert!(!is_allowed_link(bad), "{bad:?}");
        }
    }

    #[test]
    fn integers() {
        assert!(is_integer("3") && is_integer("-12") && is_integer("123456789"));
        assert!(!is_integer("") && !is_integer("1e3") && !is_integer("1234567890"));
        assert!(!is_integer("-") && !is_integer(" 1"));
    }

    #[test]
    fn bounded_cuts_on_a_char_boundary() {
        let s = "é".repeat(MAX_HTML_BYTES);
        let b = bounded(&s);
        assert!(b.len() <= MAX_HTML_BYTES && b.len() > MAX_HTML_BYTES - 2);
        assert_eq!(bounded("short"), "short");
    }

    #[test]
    fn plain_text_fields() {
        assert_eq!(
            remote_plain_text("  a\r\nb\rc\u{0}\u{7}\td  ", 100),
            "a\nb\nc\td"
        );
        assert_eq!(remote_single_line(" a\nb\tc\u{1b}[31m ", 100), "a b c[31m");
        assert_eq!(remote_plain_text("héllo wörld", 5), "héllo");
        assert_eq!(remote_plain_text("abc   def", 4), "abc");
        assert_eq!(remote_plain_text("<b>x</b>", 100), "<b>x</b>");
    }
}
