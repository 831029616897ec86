//! A small document tree that remembers the line of every node, built from
//! YAML events (saphyr-parser) or from JSON text.
//!
//! CloudFormation's short-form tags are rewritten into their long form as
//! the tree is built (`!Ref X` becomes `{Ref: X}`, `!GetAtt A.B` becomes
//! `{Fn::GetAtt: A.B}`), so the readers see one shape for both.
//!
//! JSON does not go through the YAML parser: YAML rejects JSON escapes it
//! does not share (surrogate pairs such as `\ud83d\ude00`), and JSON errors
//! read better in JSON's words. serde_json checks the text and decodes
//! every string; a small scanner only finds where each value starts.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use crate::Error;

/// Deeper than any real template, shallow enough for recursive walks.
const MAX_DEPTH: usize = 200;
/// Nodes a YAML document may expand to through aliases.
const MAX_NODES: usize = 300_000;

/// A value and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) line: usize,
    pub(crate) value: Value,
}

/// The value of a node. Numbers keep their text: nothing here computes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// One key of a mapping, with the line of the key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) line: usize,
    pub(crate) value: Node,
}

impl Node {
    pub(crate) fn new(line: usize, value: Value) -> Self {
        Self { line, value }
    }

    /// The value under `key`, when this is a mapping that has it.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|entry| &entry.value)
    }

    /// The entry under `key`, with the key's line.
    pub(crate) fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|entry| entry.key == key)
    }

    pub(crate) fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub(crate) fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// A scalar as text, the way CloudFormation reads scalars where it
    /// wants a string (`true`, `1`).
    pub(crate) fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::String(text) | Value::Number(text) => Some(text.clone()),
            Value::Bool(flag) => Some(flag.to_string()),
            _ => None,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// A mapping with exactly one key: how intrinsic functions look.
    pub(crate) fn single_entry(&self) -> Option<&Entry> {
        match self.as_map()? {
            [entry] => Some(entry),
            _ => None,
        }
    }

    /// A few words for error messages.
    pub(crate) fn describe(&self) -> String {
        match &self.value {
            Value::Null => "null".to_owned(),
            Value::Bool(flag) => format!("the boolean {flag}"),
            Value::Number(text) => format!("the number {text}"),
            Value::String(text) if text.len() > 60 => {
                format!("the string {:?}…", &text[..floor(text, 60)])
            }
            Value::String(text) => format!("the string {text:?}"),
            Value::Seq(items) => format!("a list of {} items", items.len()),
            Value::Map(_) => "a mapping".to_owned(),
        }
    }

    fn size(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::size).sum(),
            Value::Map(entries) => entries.iter().map(|entry| entry.value.size()).sum(),
            _ => 0,
        }
    }
}

fn floor(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Parses a template or plan: JSON when the text starts with `{` or `[`,
/// YAML otherwise. An empty document is [`Value::Null`].
pub(crate) fn parse(path: &str, text: &str) -> Result<Node, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match text.trim_start().as_bytes().first() {
        Some(b'{' | b'[') => json::parse(path, text),
        _ => yaml::parse(path, text),
    }
}

/// Adds an entry to a mapping under construction, refusing duplicates.
struct MapBuilder {
    entries: Vec<Entry>,
    seen: HashMap<String, usize>,
}

impl MapBuilder {
    fn new() -> Self {
        Self {
            entries: Vec::new(),
            seen: HashMap::new(),
        }
    }

    fn insert(&mut self, path: &str, key: String, line: usize, value: Node) -> Result<(), Error> {
        if let Some(&first_line) = self.seen.get(&key) {
            return Err(Error::DuplicateKey {
                path: path.to_owned(),
                line,
                key,
                first_line,
            });
        }
        self.seen.insert(key.clone(), line);
        self.entries.push(Entry { key, line, value });
        Ok(())
    }
}

mod yaml {
    use super::*;

    /// A collection being built.
    enum Frame {
        Seq {
            line: usize,
            tag: Option<Tag>,
            anchor: usize,
            items: Vec<Node>,
        },
        Map {
            line: usize,
            tag: Option<Tag>,
            anchor: usize,
            builder: MapBuilder,
            key: Option<(String, usize)>,
        },
    }

    struct Builder<'a> {
        path: &'a str,
        stack: Vec<Frame>,
        anchors: HashMap<usize, Node>,
        nodes: usize,
        root: Option<Node>,
    }

    pub(super) fn parse(path: &str, text: &str) -> Result<Node, Error> {
        let mut builder = Builder {
            path,
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            root: None,
        };
        let mut documents = 0;
        for event in Parser::new_from_str(text) {
            let (event, span) = event.map_err(|error| match error.info() {
                // saphyr counts flow levels in a u8.
                "recursion limit exceeded" => Error::TooLarge {
                    path: path.to_owned(),
                    line: error.marker().line(),
                    what: "flow collections ([ ], { }) nest deeper than 255 levels, the YAML \
                           parser's limit"
                        .to_owned(),
                },
                info => Error::Yaml {
                    path: path.to_owned(),
                    line: error.marker().line(),
                    column: error.marker().col() + 1,
                    reason: info.to_owned(),
                },
            })?;
            if let Event::DocumentStart(_) = event {
                documents += 1;
                if documents > 1 {
                    return Err(Error::MultipleDocuments {
                        path: path.to_owned(),
                        line: span.start.line(),
                    });
                }
            }
            builder.event(event, span)?;
        }
        Ok(builder.root.unwrap_or(Node::new(1, Value::Null)))
    }

    impl Builder<'_> {
        fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Error> {
            let line = span.start.line();
            match event {
                Event::Scalar(text, style, anchor, tag) => {
                    let node = self.scalar(&text, style, tag.as_deref(), line)?;
                    self.finish(node, anchor, false)
                }
                Event::SequenceStart(anchor, tag) => self.open(Frame::Seq {
                    line,
                    tag: tag.map(|tag| tag.into_owned()),
                    anchor,
                    items: Vec::new(),
                }),
                Event::MappingStart(anchor, tag) => self.open(Frame::Map {
                    line,
                    tag: tag.map(|tag| tag.into_owned()),
                    anchor,
                    builder: MapBuilder::new(),
                    key: None,
                }),
                Event::SequenceEnd | Event::MappingEnd => {
                    let (node, anchor, tag) = match self.stack.pop() {
                        Some(Frame::Seq {
                            line,
                            tag,
                            anchor,
                            items,
                        }) => (Node::new(line, Value::Seq(items)), anchor, tag),
                        Some(Frame::Map {
                            line,
                            tag,
                            anchor,
                            builder,
                            ..
                        }) => (Node::new(line, Value::Map(builder.entries)), anchor, tag),
                        None => return Ok(()),
                    };
                    let node = self.apply_tag(node, tag.as_ref())?;
                    self.finish(node, anchor, true)
                }
                Event::Alias(anchor) => {
                    let node = self
                        .anchors
                        .get(&anchor)
                        .cloned()
                        .ok_or_else(|| Error::Yaml {
                            path: self.path.to_owned(),
                            line,
                            column: span.start.col() + 1,
                            reason: "an alias to an unknown anchor".to_owned(),
                        })?;
                    self.count(node.size(), line)?;
                    self.finish(node, 0, true)
                }
                Event::StreamStart
                | Event::StreamEnd
                | Event::DocumentStart(_)
                | Event::DocumentEnd
                | Event::Nothing => Ok(()),
            }
        }

        fn open(&mut self, frame: Frame) -> Result<(), Error> {
            let line = match &frame {
                Frame::Seq { line, .. } | Frame::Map { line, .. } => *line,
            };
            if self.stack.len() >= MAX_DEPTH {
                return Err(Error::TooLarge {
                    path: self.path.to_owned(),
                    line,
                    what: format!("the document nests deeper than {MAX_DEPTH} levels"),
                });
            }
            self.stack.push(frame);
            Ok(())
        }

        fn count(&mut self, nodes: usize, line: usize) -> Result<(), Error> {
            self.nodes += nodes;
            if self.nodes > MAX_NODES {
                return Err(Error::TooLarge {
                    path: self.path.to_owned(),
                    line,
                    what: format!(
                        "the document expands to more than {MAX_NODES} values through YAML aliases"
                    ),
                });
            }
            Ok(())
        }

        /// Hands a complete node to its parent. `counted` is set when the
        /// node was already counted: a collection through its scalars, an
        /// alias's copy as a whole.
        fn finish(&mut self, node: Node, anchor: usize, counted: bool) -> Result<(), Error> {
            if !counted {
                self.count(1, node.line)?;
            }
            if anchor != 0 {
                self.anchors.insert(anchor, node.clone());
            }
            let path = self.path;
            match self.stack.last_mut() {
                None => self.root = Some(node),
                Some(Frame::Seq { items, .. }) => items.push(node),
                Some(Frame::Map { builder, key, .. }) => match key.take() {
                    None => *key = Some((key_text(path, &node)?, node.line)),
                    Some((text, line)) => builder.insert(path, text, line, node)?,
                },
            }
            Ok(())
        }

        fn scalar(
            &self,
            text: &str,
            style: ScalarStyle,
            tag: Option<&Tag>,
            line: usize,
        ) -> Result<Node, Error> {
            let value = match tag {
                Some(tag) if tag.is_yaml_core_schema() && tag.suffix == "str" => {
                    Value::String(text.to_owned())
                }
                _ if style != ScalarStyle::Plain => Value::String(text.to_owned()),
                _ => plain_scalar(text),
            };
            let node = Node::new(line, value);
            match tag {
                Some(tag) if !tag.is_yaml_core_schema() => self.apply_tag(node, Some(tag)),
                _ => Ok(node),
            }
        }

        /// Rewrites a short-form intrinsic function into its long form.
        fn apply_tag(&self, node: Node, tag: Option<&Tag>) -> Result<Node, Error> {
            let Some(tag) = tag.filter(|tag| !tag.is_yaml_core_schema()) else {
                return Ok(node);
            };
            let name = match (tag.handle.as_str(), tag.suffix.as_str()) {
                ("!", "Ref") => "Ref".to_owned(),
                ("!", "Condition") => "Condition".to_owned(),
                ("!", suffix) if SHORT_FORMS.contains(&suffix) => format!("Fn::{suffix}"),
                _ => {
                    return Err(Error::UnknownTag {
                        path: self.path.to_owned(),
                        line: node.line,
                        tag: format!("{}{}", tag.handle.trim_start_matches('!'), tag.suffix),
                    })
                }
            };
            let line = node.line;
            Ok(Node::new(
                line,
                Value::Map(vec![Entry {
                    key: name,
                    line,
                    value: node,
                }]),
            ))
        }
    }

    /// CloudFormation's `!Name` short forms that stand for `Fn::Name`.
    const SHORT_FORMS: [&str; 16] = [
        "Base64",
        "Cidr",
        "FindInMap",
        "GetAtt",
        "GetAZs",
        "ImportValue",
        "Join",
        "Select",
        "Split",
        "Sub",
        "Transform",
        "If",
        "Equals",
        "Not",
        "And",
        "Or",
    ];

    fn key_text(path: &str, node: &Node) -> Result<String, Error> {
        match &node.value {
            Value::String(text) | Value::Number(text) => Ok(text.clone()),
            Value::Bool(flag) => Ok(flag.to_string()),
            Value::Null => Ok(String::new()),
            _ => Err(Error::Invalid {
                path: path.to_owned(),
                line: node.line,
                field: "a mapping key".to_owned(),
                problem: format!("is {}", node.describe()),
                fix: "template keys are plain names".to_owned(),
            }),
        }
    }

    /// YAML 1.2 core schema resolution of an untagged plain scalar.
    fn plain_scalar(text: &str) -> Value {
        match text {
            "" | "~" | "null" | "Null" | "NULL" => Value::Null,
            "true" | "True" | "TRUE" => Value::Bool(true),
            "false" | "False" | "FALSE" => Value::Bool(false),
            _ if is_number(text) => Value::Number(text.to_owned()),
            _ => Value::String(text.to_owned()),
        }
    }

    fn is_number(text: &str) -> bool {
        let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if let Some(hex) = text.strip_prefix("0x") {
            return !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
        }
        if let Some(octal) = text.strip_prefix("0o") {
            return !octal.is_empty() && octal.bytes().all(|b| (b'0'..=b'7').contains(&b));
        }
        if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(text, ".nan" | ".NaN" | ".NAN")
        {
            return true;
        }
        let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
            Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
            None => (unsigned, None),
        };
        let mantissa_ok = match mantissa.split_once('.') {
            Some((whole, fraction)) => {
                (digits(whole) || whole.is_empty())
                    && (fraction.is_empty() || digits(fraction))
                    && !(whole.is_empty() && fraction.is_empty())
            }
            None => digits(mantissa),
        };
        let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
        mantissa_ok && exponent_ok
    }
}

mod json {
    use super::*;

    pub(super) fn parse(path: &str, text: &str) -> Result<Node, Error> {
        // serde_json decides what is JSON; it ignores depth, which the
        // scanner below limits.
        if let Err(error) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
            let message = error.to_string();
            let reason = match message.rfind(" at line ") {
                Some(at) => message[..at].to_owned(),
                None => message,
            };
            return Err(Error::Json {
                path: path.to_owned(),
                line: error.line(),
                column: error.column(),
                reason,
            });
        }
        Scanner {
            path,
            text,
            bytes: text.as_bytes(),
            at: 0,
            line: 1,
        }
        .document()
    }

    enum Frame {
        Seq(usize, Vec<Node>),
        Map(usize, MapBuilder, Option<(String, usize)>),
    }

    /// Walks text that serde_json already accepted, noting lines.
    struct Scanner<'a> {
        path: &'a str,
        text: &'a str,
        bytes: &'a [u8],
        at: usize,
        line: usize,
    }

    impl Scanner<'_> {
        fn document(&mut self) -> Result<Node, Error> {
            let mut stack: Vec<Frame> = Vec::new();
            loop {
                self.skip_separators();
                let line = self.line;
                let complete = match self.bytes[self.at] {
                    b'{' | b'[' if stack.len() >= MAX_DEPTH => {
                        // serde_json's check of the text ignores depth.
                        return Err(Error::TooLarge {
                            path: self.path.to_owned(),
                            line,
                            what: format!("the document nests deeper than {MAX_DEPTH} levels"),
                        });
                    }
                    b'{' => {
                        self.at += 1;
                        stack.push(Frame::Map(line, MapBuilder::new(), None));
                        None
                    }
                    b'[' => {
                        self.at += 1;
                        stack.push(Frame::Seq(line, Vec::new()));
                        None
                    }
                    b'}' | b']' => {
                        self.at += 1;
                        Some(match stack.pop() {
                            Some(Frame::Seq(line, items)) => Node::new(line, Value::Seq(items)),
                            Some(Frame::Map(line, builder, _)) => {
                                Node::new(line, Value::Map(builder.entries))
                            }
                            None => unreachable!("serde_json accepted balanced brackets"),
                        })
                    }
                    b'"' => Some(Node::new(line, Value::String(self.string()))),
                    _ => Some(Node::new(line, self.literal())),
                };
                let Some(node) = complete else { continue };
                match stack.last_mut() {
                    None => return Ok(node),
                    Some(Frame::Seq(_, items)) => items.push(node),
                    Some(Frame::Map(_, builder, key)) => match key.take() {
                        None => {
                            let Value::String(text) = node.value else {
                                unreachable!("serde_json accepted only string keys")
                            };
                            *key = Some((text, node.line));
                        }
                        Some((text, line)) => builder.insert(self.path, text, line, node)?,
                    },
                }
            }
        }

        /// Skips whitespace, commas and colons: serde_json already checked
        /// that they are where they belong.
        fn skip_separators(&mut self) {
            while let Some(&byte) = self.bytes.get(self.at) {
                match byte {
                    b'\n' => self.line += 1,
                    b' ' | b'\t' | b'\r' | b',' | b':' => {}
                    _ => return,
                }
                self.at += 1;
            }
        }

        fn string(&mut self) -> String {
            let start = self.at;
            self.at += 1;
            while self.bytes[self.at] != b'"' {
                self.at += if self.bytes[self.at] == b'\\' { 2 } else { 1 };
            }
            self.at += 1;
            serde_json::from_str(&self.text[start..self.at])
                .expect("serde_json accepted this string")
        }

        fn literal(&mut self) -> Value {
            let start = self.at;
            while let Some(&byte) = self.bytes.get(self.at) {
                if matches!(byte, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n') {
                    break;
                }
                self.at += 1;
            }
            match &self.text[start..self.at] {
                "null" => Value::Null,
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                number => Value::Number(number.to_owned()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(node: &Node) -> Vec<(String, usize)> {
        node.as_map()
            .unwrap()
            .iter()
            .map(|entry| (entry.key.clone(), entry.line))
            .collect()
    }

    #[test]
    fn yaml_short_forms_become_long_forms() {
        let node = parse(
            "t.yaml",
            "A: !Ref X\nB: !GetAtt K.Arn\nC: !If [c, 1, !Ref AWS::NoValue]\n",
        )
        .unwrap();
        assert_eq!(
            node.get("A").unwrap().get("Ref").unwrap().as_str(),
            Some("X")
        );
        assert_eq!(
            node.get("B").unwrap().get("Fn::GetAtt").unwrap().as_str(),
            Some("K.Arn")
        );
        let branches = node
            .get("C")
            .unwrap()
            .get("Fn::If")
            .unwrap()
            .as_seq()
            .unwrap();
        assert_eq!(branches[1].value, Value::Number("1".into()));
        assert_eq!(
            branches[2].get("Ref").unwrap().as_str(),
            Some("AWS::NoValue")
        );
        assert_eq!(
            lines(&node),
            [("A".into(), 1), ("B".into(), 2), ("C".into(), 3)]
        );
    }

    #[test]
    fn yaml_scalars_follow_the_core_schema() {
        let node = parse(
            "t.yaml",
            "a: true\nb: 'true'\nc: 1.5e3\nd: ~\ne: 0x1F\nf: 1.2.3\ng: !!str 12\n",
        )
        .unwrap();
        let value = |key: &str| node.get(key).unwrap().value.clone();
        assert_eq!(value("a"), Value::Bool(true));
        assert_eq!(value("b"), Value::String("true".into()));
        assert_eq!(value("c"), Value::Number("1.5e3".into()));
        assert_eq!(value("d"), Value::Null);
        assert_eq!(value("e"), Value::Number("0x1F".into()));
        assert_eq!(value("f"), Value::String("1.2.3".into()));
        assert_eq!(value("g"), Value::String("12".into()));
    }

    #[test]
    fn yaml_aliases_are_copies() {
        let node = parse("t.yaml", "a: &x {b: 1}\nc: *x\n").unwrap();
        assert_eq!(
            node.get("c").unwrap().get("b").unwrap().value,
            Value::Number("1".into())
        );
    }

    #[test]
    fn yaml_errors_name_the_place() {
        let error = parse("t.yaml", "a: [1, 2\n").unwrap_err();
        assert!(matches!(error, Error::Yaml { line: 2, .. }), "{error}");
        let error = parse("t.yaml", "a: !Reff X\n").unwrap_err();
        assert_eq!(
            error.to_string().split(';').next().unwrap(),
            "t.yaml:1: unknown tag !Reff"
        );
        let error = parse("t.yaml", "a: 1\nb: 2\na: 3\n").unwrap_err();
        assert!(
            matches!(
                error,
                Error::DuplicateKey {
                    line: 3,
                    first_line: 1,
                    ..
                }
            ),
            "{error}"
        );
        let error = parse("t.yaml", "a: 1\n---\nb: 2\n").unwrap_err();
        assert!(
            matches!(error, Error::MultipleDocuments { line: 2, .. }),
            "{error}"
        );
    }

    #[test]
    fn yaml_alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..8 {
            let previous = format!("*a{}", level - 1);
            text += &format!("a{level}: &a{level} [{}]\n", vec![previous; 10].join(", "));
        }
        assert!(matches!(
            parse("t.yaml", &text),
            Err(Error::TooLarge { .. })
        ));
    }

    #[test]
    fn yaml_nesting_is_bounded() {
        let nested = |depth: usize| format!("a: {}x{}", "[".repeat(depth), "]".repeat(depth));
        assert!(matches!(
            parse("t.yaml", &nested(230)),
            Err(Error::TooLarge { .. })
        ));
        // Deeper still, saphyr-parser's own limit answers first, in the
        // same words.
        assert!(matches!(
            parse("t.yaml", &nested(5000)),
            Err(Error::TooLarge { what, .. }) if what.contains("255 levels")
        ));
    }

    #[test]
    fn json_keeps_lines_and_json_escapes() {
        let text = "{\n\t\"a\": {\"b\": \"x\\u0041\\/\\ud83d\\ude00\"},\n\t\"c\": [1, true, null, \"true\"]\n}\n";
        let node = parse("t.json", text).unwrap();
        assert_eq!(
            node.get("a").unwrap().get("b").unwrap().as_str(),
            Some("xA/😀")
        );
        let c = node.get("c").unwrap().as_seq().unwrap();
        assert_eq!(c[3].value, Value::String("true".into()));
        assert_eq!(c[1].value, Value::Bool(true));
        assert_eq!(lines(&node), [("a".into(), 2), ("c".into(), 3)]);
    }

    #[test]
    fn json_errors_are_serde_json_errors() {
        let error = parse("t.json", "{\n  \"a\": 1,\n}").unwrap_err();
        assert!(matches!(error, Error::Json { line: 3, .. }), "{error}");
        let error = parse("t.json", "{\"a\": 1, \"a\": 2}").unwrap_err();
        assert!(matches!(error, Error::DuplicateKey { .. }), "{error}");
    }
}
