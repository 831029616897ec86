//! JSON with keys in the order written. serde_json's map order depends on
//! a cargo feature another crate in the build may turn on; golden files
//! must not.

/// A JSON value whose objects keep their key order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    String(String),
    Number(u64),
    Bool(bool),
    Array(Vec<Json>),
    Object(Vec<(&'static str, Json)>),
}

impl Json {
    pub(crate) fn string(text: impl Into<String>) -> Self {
        Self::String(text.into())
    }

    /// Two-space indented, with a final newline.
    pub(crate) fn pretty(&self) -> String {
        let mut out = String::new();
        self.write(0, &mut out);
        out.push('\n');
        out
    }

    fn write(&self, indent: usize, out: &mut String) {
        let pad = |level: usize| "  ".repeat(level);
        match self {
            Self::String(text) => {
                out.push_str(&serde_json::to_string(text).expect("strings always serialize"))
            }
            Self::Number(number) => out.push_str(&number.to_string()),
            Self::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
            Self::Array(items) if items.is_empty() => out.push_str("[]"),
            Self::Object(fields) if fields.is_empty() => out.push_str("{}"),
            Self::Array(items) => {
                out.push_str("[\n");
                for (index, item) in items.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    item.write(indent + 1, out);
                    out.push_str(if index + 1 < items.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(indent));
                out.push(']');
            }
            Self::Object(fields) => {
                out.push_str("{\n");
                for (index, (key, value)) in fields.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    out.push_str(&serde_json::to_string(key).expect("strings always serialize"));
                    out.push_str(": ");
                    value.write(indent + 1, out);
                    out.push_str(if index + 1 < fields.len() {
                        ",\n"
                    } else {
                        "\n"
                    });
                }
                out.push_str(&pad(indent));
                out.push('}');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_parses_back() {
        let value = Json::Object(vec![
            ("z", Json::string("a \"quoted\"\nline")),
            (
                "a",
                Json::Array(vec![
                    Json::Number(1),
                    Json::Bool(false),
                    Json::Array(vec![]),
                ]),
            ),
        ]);
        let text = value.pretty();
        assert!(text.find("\"z\"").unwrap() < text.find("\"a\"").unwrap());
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["z"], "a \"quoted\"\nline");
        assert_eq!(parsed["a"][1], false);
    }
}
