//! The rule's own scope (`Scope` of `DescribeConfigRules`): which resources
//! Config sends to the rule. The periodic sweep and the key-change trigger
//! judge only resources inside it, as change-triggered evaluation does, so a
//! resource that left the scope stays NOT_APPLICABLE instead of flipping back
//! every day.

use crate::ResourceKind;

/// A resource tag: its key and value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag {
    /// The tag's key.
    pub key: String,
    /// Its value (empty when none was set).
    pub value: String,
}

impl Tag {
    /// The tag `key=value`.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// A Config rule's scope, in the evaluator's terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// `ComplianceResourceTypes`; empty means every type.
    pub resource_types: Vec<String>,
    /// `ComplianceResourceId`: the only resource in scope, when set.
    pub resource_id: Option<String>,
    /// `TagKey`: resources must carry this tag.
    pub tag_key: Option<String>,
    /// `TagValue`: …with this value (only with a tag key).
    pub tag_value: Option<String>,
}

impl Scope {
    /// Everything: no scope set, or it could not be read.
    pub fn everything() -> Self {
        Self::default()
    }

    /// Whether judging a resource needs its tags.
    pub fn needs_tags(&self) -> bool {
        self.tag_key.is_some()
    }

    /// Whether the resource types alone rule `kind` out, so that listing
    /// that kind can be skipped.
    pub fn excludes_kind(&self, kind: ResourceKind) -> bool {
        !self.resource_types.is_empty()
            && !self
                .resource_types
                .iter()
                .any(|resource_type| resource_type == kind.config_type())
    }

    /// Whether a resource is inside the scope. `tags` is only read when
    /// [`Scope::needs_tags`].
    pub fn contains(&self, kind: ResourceKind, resource_id: &str, tags: &[Tag]) -> bool {
        if self.excludes_kind(kind) {
            return false;
        }
        if self
            .resource_id
            .as_deref()
            .is_some_and(|only| only != resource_id)
        {
            return false;
        }
        match (&self.tag_key, &self.tag_value) {
            (None, _) => true,
            (Some(key), None) => tags.iter().any(|tag| &tag.key == key),
            (Some(key), Some(value)) => tags
                .iter()
                .any(|tag| &tag.key == key && &tag.value == value),
        }
    }

    /// A few words for the NOT_APPLICABLE annotation of a resource outside
    /// the scope, e.g. `tag team=graph`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.resource_types.is_empty() {
            parts.push(format!("types {}", self.resource_types.join(", ")));
        }
        if let Some(resource_id) = &self.resource_id {
            parts.push(format!("resource {resource_id}"));
        }
        match (&self.tag_key, &self.tag_value) {
            (Some(key), Some(value)) => parts.push(format!("tag {key}={value}")),
            (Some(key), None) => parts.push(format!("tag {key}")),
            _ => {}
        }
        if parts.is_empty() {
            "everything".to_owned()
        } else {
            parts.join("; ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Vec<Tag> {
        pairs
            .iter()
            .map(|(key, value)| Tag::new(*key, *value))
            .collect()
    }

    #[test]
    fn no_scope_contains_everything() {
        let scope = Scope::everything();
        assert!(!scope.needs_tags());
        assert!(scope.contains(ResourceKind::Cluster, "cluster-A", &[]));
    }

    #[test]
    fn resource_types_rule_out_kinds() {
        let scope = Scope {
            resource_types: vec!["AWS::RDS::DBCluster".to_owned(), "AWS::KMS::Key".to_owned()],
            ..Scope::default()
        };
        assert!(scope.contains(ResourceKind::Cluster, "cluster-A", &[]));
        assert!(scope.excludes_kind(ResourceKind::ClusterSnapshot));
        assert!(!scope.contains(ResourceKind::Instance, "db-A", &[]));
    }

    #[test]
    fn tag_key_and_value() {
        let key_only = Scope {
            tag_key: Some("team".to_owned()),
            ..Scope::default()
        };
        assert!(key_only.needs_tags());
        assert!(key_only.contains(ResourceKind::Cluster, "c", &tags(&[("team", "x")])));
        assert!(!key_only.contains(ResourceKind::Cluster, "c", &tags(&[("owner", "x")])));
        let with_value = Scope {
            tag_value: Some("graph".to_owned()),
            ..key_only
        };
        assert!(with_value.contains(ResourceKind::Cluster, "c", &tags(&[("team", "graph")])));
        assert!(!with_value.contains(ResourceKind::Cluster, "c", &tags(&[("team", "web")])));
        assert_eq!(with_value.describe(), "tag team=graph");
    }

    #[test]
    fn a_single_resource() {
        let scope = Scope {
            resource_types: vec!["AWS::RDS::DBCluster".to_owned()],
            resource_id: Some("cluster-A".to_owned()),
            ..Scope::default()
        };
        assert!(scope.contains(ResourceKind::Cluster, "cluster-A", &[]));
        assert!(!scope.contains(ResourceKind::Cluster, "cluster-B", &[]));
    }
}
