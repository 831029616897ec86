//! The crate's one error type: input that cannot be read as a template or
//! a plan. Every variant names the file, the line when there is one, and
//! the fix. A resource that is merely not compliant is never an error; it
//! is a [`crate::Finding`].

/// Why a file could not be judged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not YAML (CloudFormation YAML templates).
    #[error("{path}:{line}:{column}: not valid YAML: {reason}; fix the syntax (cfn-lint reports the same place)")]
    Yaml {
        /// The file, as the caller displays it.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's own words.
        reason: String,
    },

    /// The text starts like JSON but is not JSON.
    #[error("{path}:{line}:{column}: not valid JSON: {reason}; fix the syntax, or generate the file again (cdk synth, terraform show -json)")]
    Json {
        /// The file, as the caller displays it.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's own words.
        reason: String,
    },

    /// A Terraform `.tf` file (or an interpolation of a `.tf.json` file) that
    /// is not valid HCL.
    #[error("{path}:{line}:{column}: not valid HCL (Terraform): {reason}; fix the syntax (terraform validate reports the same place)")]
    Hcl {
        /// The file, as the caller displays it.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's own words.
        reason: String,
    },

    /// A YAML tag that is not one of CloudFormation's short forms.
    #[error("{path}:{line}: unknown tag !{tag}; CloudFormation's short forms are !Ref, !GetAtt, !Sub, !If, !ImportValue, !Join, !Select, !Split, !FindInMap, !Base64, !Cidr, !GetAZs, !Equals, !Not, !And, !Or, !Condition and !Transform: fix the spelling")]
    UnknownTag {
        /// The file, as the caller displays it.
        path: String,
        /// 1-based line of the tagged node.
        line: usize,
        /// The tag without its `!`.
        tag: String,
    },

    /// A mapping holds the same key twice, so which value counts is a
    /// guess.
    #[error("{path}:{line}: duplicate key {key:?}, first at line {first_line}; CloudFormation rejects duplicate keys: keep one")]
    DuplicateKey {
        /// The file, as the caller displays it.
        path: String,
        /// 1-based line of the second occurrence.
        line: usize,
        /// The key.
        key: String,
        /// 1-based line of the first occurrence.
        first_line: usize,
    },

    /// The document nests deeper, or expands (through YAML aliases) larger,
    /// than any real template.
    #[error("{path}:{line}: {what}; a template this large is not a real template: check the file")]
    TooLarge {
        /// The file, as the caller displays it.
        path: String,
        /// 1-based line where the limit was reached.
        line: usize,
        /// Which limit, in words.
        what: String,
    },

    /// Keys, aliases or exports that refer to each other in a circle.
    #[error("{path}:{line}: a reference cycle: {cycle}; break it (CloudFormation rejects circular dependencies)")]
    Cycle {
        /// The file, as the caller displays it.
        path: String,
        /// 1-based line where the cycle closes.
        line: usize,
        /// The names in the cycle, `A → B → A`.
        cycle: String,
    },

    /// A YAML stream with a second document.
    #[error(
        "{path}:{line}: a second YAML document; a template is a single document: split the file"
    )]
    MultipleDocuments {
        /// The file, as the caller displays it.
        path: String,
        /// 1-based line of the second document.
        line: usize,
    },

    /// A field that matters to the verdict has a shape the service would
    /// reject (a `KmsKeyId` that is a list, an `Fn::If` with two items).
    #[error("{path}:{line}: {field} {problem}; {fix}")]
    Invalid {
        /// The file, as the caller displays it.
        path: String,
        /// 1-based line of the field.
        line: usize,
        /// Where the field is, e.g. `Resources.Cluster.Properties.KmsKeyId`.
        field: String,
        /// What is wrong with it.
        problem: String,
        /// What a valid value looks like.
        fix: String,
    },

    /// A resource whose verdict depends on more conditions than can be
    /// enumerated.
    #[error("{path}:{line}: {resource} depends on more than {limit} conditions (Fn::If); split the choice into fewer conditions so every branch can be judged")]
    TooManyBranches {
        /// The file, as the caller displays it.
        path: String,
        /// 1-based line of the resource.
        line: usize,
        /// Logical id or address.
        resource: String,
        /// The most conditions one resource may depend on.
        limit: usize,
    },

    /// A Terraform JSON document of a major format version this reader
    /// does not know.
    #[error("{path}:{line}: Terraform JSON format_version {version:?} is not supported; this reader understands format 1.x (terraform show -json of Terraform 1.x)")]
    UnsupportedFormat {
        /// The file, as the caller displays it.
        path: String,
        /// 1-based line of `format_version`.
        line: usize,
        /// The version found.
        version: String,
    },

    /// The caller could not read the file at all.
    #[error("{path}: cannot be read: {reason}")]
    Unreadable {
        /// The file, as the caller displays it.
        path: String,
        /// Why, e.g. `not UTF-8 text (invalid byte at offset 3)`.
        reason: String,
    },

    /// A file the caller named explicitly is not something this reader
    /// judges.
    #[error("{path}: {what}, not a CloudFormation template or a Terraform plan; pass a template (JSON or YAML), a cdk.out directory or the output of terraform show -json")]
    NotATemplate {
        /// The file, as the caller displays it.
        path: String,
        /// What the file looks like instead.
        what: String,
    },
}

impl Error {
    /// The file the error is about.
    pub fn path(&self) -> &str {
        match self {
            Self::Yaml { path, .. }
            | Self::Json { path, .. }
            | Self::Hcl { path, .. }
            | Self::UnknownTag { path, .. }
            | Self::DuplicateKey { path, .. }
            | Self::TooLarge { path, .. }
            | Self::Cycle { path, .. }
            | Self::MultipleDocuments { path, .. }
            | Self::Invalid { path, .. }
            | Self::TooManyBranches { path, .. }
            | Self::UnsupportedFormat { path, .. }
            | Self::Unreadable { path, .. }
            | Self::NotATemplate { path, .. } => path,
        }
    }

    /// The 1-based line the error is about, when there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Yaml { line, .. }
            | Self::Json { line, .. }
            | Self::Hcl { line, .. }
            | Self::UnknownTag { line, .. }
            | Self::DuplicateKey { line, .. }
            | Self::TooLarge { line, .. }
            | Self::Cycle { line, .. }
            | Self::MultipleDocuments { line, .. }
            | Self::Invalid { line, .. }
            | Self::TooManyBranches { line, .. }
            | Self::UnsupportedFormat { line, .. } => Some(*line),
            Self::NotATemplate { .. } | Self::Unreadable { .. } => None,
        }
    }
}
