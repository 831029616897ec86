//! Shell commands as data: an `aws` invocation built option by option,
//! rendered with POSIX quoting and `\` line continuations, so every printed
//! command can be pasted as it is.

/// One argument of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Word {
    /// A literal, quoted when the shell needs it.
    Literal(String),
    /// A shell variable set by an earlier command, e.g. `CMK_ARN`; rendered
    /// as `"$CMK_ARN"`.
    Variable(String),
}

impl Word {
    fn render(&self) -> String {
        match self {
            Self::Literal(text) => quote(text),
            Self::Variable(name) => format!("\"${name}\""),
        }
    }
}

impl From<&str> for Word {
    fn from(text: &str) -> Self {
        Self::Literal(text.to_owned())
    }
}

impl From<String> for Word {
    fn from(text: String) -> Self {
        Self::Literal(text)
    }
}

impl From<&String> for Word {
    fn from(text: &String) -> Self {
        Self::Literal(text.clone())
    }
}

/// A command line: a program, its subcommand words, then options, each
/// option with its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    head: Vec<Word>,
    options: Vec<Vec<Word>>,
}

/// Lines are broken before an option that would pass this width.
const WIDTH: usize = 100;
const INDENT: &str = "    ";

impl Command {
    /// `aws <service> <operation> --region <region>`.
    pub fn aws(service: &str, operation: &str, region: &str) -> Self {
        Self::new(["aws", service, operation]).opt("--region", region)
    }

    /// A command with the given leading words.
    pub fn new<'a>(head: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            head: head.into_iter().map(Word::from).collect(),
            options: Vec::new(),
        }
    }

    /// `--name value`.
    pub fn opt(mut self, name: &str, value: impl Into<Word>) -> Self {
        self.options.push(vec![Word::from(name), value.into()]);
        self
    }

    /// `--name value` when there is a value.
    pub fn opt_some<W: Into<Word>>(self, name: &str, value: Option<W>) -> Self {
        match value {
            Some(value) => self.opt(name, value),
            None => self,
        }
    }

    /// `--name v1 v2 …` when there are values.
    pub fn opt_list<W: Into<Word>>(
        mut self,
        name: &str,
        values: impl IntoIterator<Item = W>,
    ) -> Self {
        let mut words = vec![Word::from(name)];
        words.extend(values.into_iter().map(Into::into));
        if words.len() > 1 {
            self.options.push(words);
        }
        self
    }

    /// `--name` when `on`.
    pub fn flag(mut self, name: &str, on: bool) -> Self {
        if on {
            self.options.push(vec![Word::from(name)]);
        }
        self
    }

    /// `--name` when `Some(true)`, `--no-<name>` when `Some(false)`.
    pub fn switch(mut self, name: &str, value: Option<bool>) -> Self {
        match value {
            Some(true) => self.options.push(vec![Word::from(format!("--{name}"))]),
            Some(false) => self.options.push(vec![Word::from(format!("--no-{name}"))]),
            None => {}
        }
        self
    }

    /// The command as shell text, wrapped with `\` continuations.
    pub fn render(&self) -> String {
        let mut out = self
            .head
            .iter()
            .map(Word::render)
            .collect::<Vec<_>>()
            .join(" ");
        let mut line_length = out.len();
        for option in &self.options {
            let text = option
                .iter()
                .map(Word::render)
                .collect::<Vec<_>>()
                .join(" ");
            if line_length + 1 + text.len() > WIDTH {
                out.push_str(" \\\n");
                out.push_str(INDENT);
                line_length = INDENT.len();
            } else {
                out.push(' ');
                line_length += 1;
            }
            out.push_str(&text);
            line_length += text.len();
        }
        out
    }
}

/// Quotes `value` for a POSIX shell when it needs it.
pub fn quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/=@,+%".contains(c));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_bare_and_others_are_single_quoted() {
        assert_eq!(quote("graph-1"), "graph-1");
        assert_eq!(
            quote("arn:aws:kms:us-east-1:1:key/a"),
            "arn:aws:kms:us-east-1:1:key/a"
        );
        assert_eq!(quote(""), "''");
        assert_eq!(quote("Key=team,Value=a b"), "'Key=team,Value=a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$(rm -rf /)"), "'$(rm -rf /)'");
    }

    #[test]
    fn long_commands_wrap_between_options() {
        let command = Command::aws("neptune", "create-db-instance", "us-east-1")
            .opt("--db-instance-identifier", "a".repeat(60))
            .opt("--db-cluster-identifier", "b".repeat(30))
            .opt("--kms-key-id", Word::Variable("CMK_ARN".to_owned()))
            .flag("--deletion-protection", true)
            .flag("--skipped", false)
            .switch("auto-minor-version-upgrade", Some(false));
        let text = command.render();
        for line in text.lines() {
            assert!(line.len() <= WIDTH + 2, "{line}");
        }
        assert!(text.contains("--kms-key-id \"$CMK_ARN\""), "{text}");
        assert!(text.contains("--no-auto-minor-version-upgrade"), "{text}");
        assert!(!text.contains("--skipped"), "{text}");
        assert!(text.lines().nth(1).unwrap().starts_with(INDENT), "{text}");
        assert!(
            text.lines()
                .take(text.lines().count() - 1)
                .all(|line| line.ends_with(" \\")),
            "{text}"
        );
    }

    #[test]
    fn empty_lists_add_nothing() {
        let command = Command::new(["aws"]).opt_list::<&str>("--tags", []);
        assert_eq!(command.render(), "aws");
    }
}
