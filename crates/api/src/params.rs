//! Request parameters, the way Mastodon clients send them: a query string, and a body that
//! is JSON, form-encoded or multipart. Rails-style keys (`source[privacy]`,
//! `fields_attributes[0][name]`, `scopes[]`) become nested objects and arrays, so that one
//! `serde` type describes an endpoint's input whatever the encoding. Values from forms
//! arrive as strings; the [`flex`] deserializers read them as the types handlers want.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::AppState;
use crate::error::ApiError;

/// At most this many parameters per request, and this deep a nesting.
const MAX_PARAMS: usize = 512;
const MAX_DEPTH: usize = 6;

/// Parameters from the query string and the body, body winning on conflicts.
pub struct Params<T>(pub T);

/// Parameters from the query string alone (for `GET`).
pub struct Query<T>(pub T);

/// Parameters as [`Params`], and the files of a multipart body by field name (uploads:
/// media, avatars, headers). The body may be as large as the largest upload.
pub struct WithFiles<T>(pub T, pub Files);

/// The file parts of a multipart body: field name to bytes.
#[derive(Default)]
pub struct Files(std::collections::HashMap<String, Vec<u8>>);

impl Files {
    /// The file sent as `name`, taken out. An empty file part (a form's file field
    /// left empty) is no file.
    pub fn take(&mut self, name: &str) -> Option<Vec<u8>> {
        self.0.remove(name).filter(|bytes| !bytes.is_empty())
    }
}

/// The largest request body an upload endpoint reads: the largest video, and room for
/// the other fields.
pub const MAX_UPLOAD_BYTES: usize = hamlet_core::limits::VIDEO_SIZE_LIMIT as usize + 1024 * 1024;

impl<T: DeserializeOwned> FromRequest<AppState> for Params<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let limit = state.settings.max_request_bytes;
        let (tree, _) = read(request, limit, limit, false).await?;
        deserialize(tree).map(Params)
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for WithFiles<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let limit = state.settings.max_request_bytes;
        let (tree, files) = read(request, limit, limit.max(MAX_UPLOAD_BYTES), true).await?;
        Ok(WithFiles(deserialize(tree)?, files))
    }
}

/// The query string and body of `request` as one tree of parameters, and (when
/// `keep_files`) the files of a multipart body. Bodies are read up to `limit`, multipart
/// bodies (which may carry files) up to `multipart_limit`.
async fn read(
    request: Request,
    limit: usize,
    multipart_limit: usize,
    keep_files: bool,
) -> Result<(Value, Files), ApiError> {
    let (parts, body) = request.into_parts();
    let limit = if content_type(&parts.headers) == "multipart/form-data" {
        multipart_limit
    } else {
        limit
    };
    let mut tree = Value::Object(Map::new());
    let mut files = Files::default();
    if let Some(query) = parts.uri.query() {
        insert_pairs(&mut tree, url::form_urlencoded::parse(query.as_bytes()))?;
    }
    if let Some(length) = content_length(&parts.headers)
        && length > limit
    {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge { limit })?;
    if !bytes.is_empty() {
        let mime = content_type(&parts.headers);
        match mime.as_str() {
            "application/json" => merge_json(&mut tree, &bytes)?,
            "application/x-www-form-urlencoded" | "" => {
                insert_pairs(&mut tree, url::form_urlencoded::parse(&bytes))?
            }
            "multipart/form-data" => {
                let kept = merge_multipart(&mut tree, &parts.headers, bytes, keep_files).await?;
                files = kept;
            }
            other if other.ends_with("+json") => merge_json(&mut tree, &bytes)?,
            other => return Err(ApiError::UnsupportedMediaType(other.to_owned())),
        }
    }
    Ok((tree, files))
}

impl<T: DeserializeOwned> FromRequestParts<AppState> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        let mut tree = Value::Object(Map::new());
        if let Some(query) = parts.uri.query() {
            insert_pairs(&mut tree, url::form_urlencoded::parse(query.as_bytes()))?;
        }
        deserialize(tree).map(Query)
    }
}

fn content_length(headers: &HeaderMap) -> Option<usize> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

fn deserialize<T: DeserializeOwned>(tree: Value) -> Result<T, ApiError> {
    serde_json::from_value(tree).map_err(|e| {
        let message = e.to_string();
        if let Some(field) = message.strip_prefix("missing field ") {
            ApiError::BadRequest(format!(
                "Missing required parameter: {}",
                field.trim_matches('`')
            ))
        } else {
            ApiError::Validation(message)
        }
    })
}

fn merge_json(tree: &mut Value, bytes: &[u8]) -> Result<(), ApiError> {
    let body: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("Malformed JSON body: {e}")))?;
    let Value::Object(fields) = body else {
        return Err(ApiError::BadRequest(
            "The JSON body must be an object".into(),
        ));
    };
    if depth(&Value::Object(fields.clone())) > MAX_DEPTH + 1 {
        return Err(ApiError::BadRequest(
            "Parameters are nested too deeply".into(),
        ));
    }
    let target = tree.as_object_mut().expect("the tree is an object");
    for (key, value) in fields {
        target.insert(key, value);
    }
    Ok(())
}

fn depth(value: &Value) -> usize {
    match value {
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

async fn merge_multipart(
    tree: &mut Value,
    headers: &HeaderMap,
    bytes: axum::body::Bytes,
    keep_files: bool,
) -> Result<Files, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| ApiError::BadRequest("Multipart body without a boundary".into()))?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut pairs = Vec::new();
    let mut files = Files::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(format!("Malformed multipart body: {e}")))?
    {
        let Some(name) = field.name().map(str::to_owned) else {
            continue;
        };
        // File parts (avatars, media) go to the endpoints that accept them; others
        // ignore them.
        if field.file_name().is_some() {
            if keep_files {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| ApiError::BadRequest(format!("Malformed multipart body: {e}")))?;
                files.0.insert(name, bytes.to_vec());
            }
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|e| ApiError::BadRequest(format!("Malformed multipart body: {e}")))?;
        pairs.push((name, text));
    }
    insert_pairs(
        tree,
        pairs.iter().map(|(k, v)| {
            (
                std::borrow::Cow::from(k.as_str()),
                std::borrow::Cow::from(v.as_str()),
            )
        }),
    )?;
    Ok(files)
}

/// One step of a Rails-style key: `name`, `[key]` or `[]`.
#[derive(Debug, PartialEq)]
enum Segment<'a> {
    Key(&'a str),
    Push,
}

fn parse_key(key: &str) -> Result<Vec<Segment<'_>>, ApiError> {
    let malformed = || ApiError::BadRequest(format!("Malformed parameter name {key:?}"));
    let (base, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    if base.is_empty() {
        return Err(malformed());
    }
    let mut segments = vec![Segment::Key(base)];
    while !rest.is_empty() {
        let inner_end = rest.find(']').ok_or_else(malformed)?;
        if !rest.starts_with('[') {
            return Err(malformed());
        }
        let inner = &rest[1..inner_end];
        segments.push(if inner.is_empty() {
            Segment::Push
        } else {
            Segment::Key(inner)
        });
        rest = &rest[inner_end + 1..];
        if segments.len() > MAX_DEPTH {
            return Err(ApiError::BadRequest(
                "Parameters are nested too deeply".into(),
            ));
        }
    }
    Ok(segments)
}

fn insert_pairs<'a>(
    tree: &mut Value,
    pairs: impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
) -> Result<(), ApiError> {
    for (count, (key, value)) in pairs.enumerate() {
        if count >= MAX_PARAMS {
            return Err(ApiError::BadRequest("Too many parameters".into()));
        }
        let segments = parse_key(&key)?;
        insert(tree, &segments, value.into_owned());
    }
    Ok(())
}

fn insert(target: &mut Value, path: &[Segment<'_>], value: String) {
    let Some((first, rest)) = path.split_first() else {
        *target = Value::String(value);
        return;
    };
    match first {
        Segment::Key(key) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let slot = target
                .as_object_mut()
                .expect("just made an object")
                .entry((*key).to_owned())
                .or_insert(Value::Null);
            insert(slot, rest, value);
        }
        Segment::Push => {
            if !target.is_array() {
                *target = Value::Array(Vec::new());
            }
            let items = target.as_array_mut().expect("just made an array");
            // `a[][name]=x&a[][value]=y` builds one object per repeated key, as Rails does.
            let next_key = match rest.first() {
                Some(Segment::Key(k)) => Some(*k),
                _ => None,
            };
            let reuse_last = next_key.is_some_and(|k| {
                items
                    .last()
                    .and_then(Value::as_object)
                    .is_some_and(|o| !o.contains_key(k))
            });
            if !reuse_last {
                items.push(Value::Null);
            }
            let slot = items.last_mut().expect("pushed or present");
            insert(slot, rest, value);
        }
    }
}

/// Deserializers that accept both JSON's types and the strings forms send.
pub mod flex {
    use serde::de::{Deserialize, Deserializer, Error};
    use serde_json::Value;

    fn bool_from(value: &Value) -> Result<Option<bool>, String> {
        match value {
            Value::Null => Ok(None),
            Value::Bool(b) => Ok(Some(*b)),
            Value::Number(n) if n.as_i64() == Some(1) => Ok(Some(true)),
            Value::Number(n) if n.as_i64() == Some(0) => Ok(Some(false)),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "" => Ok(None),
                "true" | "1" | "on" | "t" | "yes" => Ok(Some(true)),
                "false" | "0" | "off" | "f" | "no" => Ok(Some(false)),
                _ => Err(format!("{s:?} is not a boolean")),
            },
            other => Err(format!("{other} is not a boolean")),
        }
    }

    pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        bool_from(&Value::deserialize(d)?).map_err(D::Error::custom)
    }

    /// A boolean that can also be cleared: absent is `None`; `null` or an empty string
    /// is `Some(None)`.
    pub fn opt_clearable_bool<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<bool>>, D::Error> {
        bool_from(&Value::deserialize(d)?)
            .map(Some)
            .map_err(D::Error::custom)
    }

    /// A string; numbers are accepted as their decimal form.
    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            Value::Number(n) => Ok(Some(n.to_string())),
            other => Err(D::Error::custom(format!("{other} is not a string"))),
        }
    }

    /// One string or a list of them (`redirect_uris`, `scopes`). A single string is kept
    /// whole; splitting it is the caller's business.
    pub fn opt_string_list<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<String>>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(vec![s])),
            Value::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s),
                    other => Err(D::Error::custom(format!("{other} is not a string"))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            other => Err(D::Error::custom(format!(
                "{other} is not a string or a list of strings"
            ))),
        }
    }

    /// A list of objects, sent either as a JSON array or as a map keyed by position
    /// (`fields_attributes[0][name]=...`, or `{"0": {...}}`), ordered by that position.
    pub fn opt_indexed_list<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: serde::de::DeserializeOwned,
    {
        let items: Vec<Value> = match Value::deserialize(d)? {
            Value::Null => return Ok(None),
            Value::Array(items) => items,
            Value::Object(map) => {
                let mut entries: Vec<(u64, Value)> = map
                    .into_iter()
                    .map(|(k, v)| {
                        k.parse::<u64>()
                            .map(|i| (i, v))
                            .map_err(|_| D::Error::custom(format!("{k:?} is not a position")))
                    })
                    .collect::<Result<_, _>>()?;
                entries.sort_by_key(|(i, _)| *i);
                entries.into_iter().map(|(_, v)| v).collect()
            }
            other => return Err(D::Error::custom(format!("{other} is not a list"))),
        };
        items
            .into_iter()
            .map(|v| serde_json::from_value(v).map_err(D::Error::custom))
            .collect::<Result<Vec<T>, _>>()
            .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(query: &str) -> Value {
        let mut tree = Value::Object(Map::new());
        insert_pairs(&mut tree, url::form_urlencoded::parse(query.as_bytes())).unwrap();
        tree
    }

    #[test]
    fn rails_style_keys_nest() {
        assert_eq!(
            parse(
                "a=1&source[privacy]=private&fields_attributes[0][name]=n&fields_attributes[0][value]=v&scopes[]=read&scopes[]=write"
            ),
            json!({
                "a": "1",
                "source": {"privacy": "private"},
                "fields_attributes": {"0": {"name": "n", "value": "v"}},
                "scopes": ["read", "write"],
            })
        );
        assert_eq!(
            parse("f[][name]=a&f[][value]=1&f[][name]=b&f[][value]=2"),
            json!({"f": [{"name": "a", "value": "1"}, {"name": "b", "value": "2"}]})
        );
    }

    #[test]
    fn malformed_and_abusive_keys_are_refused() {
        let mut tree = Value::Object(Map::new());
        for bad in ["[a]=1", "a[b=1", "a]b[=1", "a[b]c=1"] {
            assert!(
                insert_pairs(&mut tree, url::form_urlencoded::parse(bad.as_bytes())).is_err(),
                "{bad}"
            );
        }
        let deep = format!("a{}=1", "[x]".repeat(10));
        assert!(insert_pairs(&mut tree, url::form_urlencoded::parse(deep.as_bytes())).is_err());
        let many = (0..600)
            .map(|i| format!("k{i}=v"))
            .collect::<Vec<_>>()
            .join("&");
        assert!(insert_pairs(&mut tree, url::form_urlencoded::parse(many.as_bytes())).is_err());
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Field {
        name: String,
    }

    #[derive(serde::Deserialize, Debug)]
    struct Example {
        #[serde(default, deserialize_with = "flex::opt_bool")]
        locked: Option<bool>,
        #[serde(default, deserialize_with = "flex::opt_indexed_list")]
        fields: Option<Vec<Field>>,
    }

    #[test]
    fn flexible_values() {
        let e: Example =
            deserialize(parse("locked=1&fields[1][name]=b&fields[0][name]=a")).unwrap();
        assert_eq!(e.locked, Some(true));
        assert_eq!(
            e.fields.unwrap(),
            vec![Field { name: "a".into() }, Field { name: "b".into() }]
        );
        let e: Example = deserialize(json!({"locked": false, "fields": [{"name": "x"}]})).unwrap();
        assert_eq!(e.locked, Some(false));
        assert!(deserialize::<Example>(parse("locked=maybe")).is_err());
        let e: Example = deserialize(parse("locked=")).unwrap();
        assert_eq!(e.locked, None);
    }
}
