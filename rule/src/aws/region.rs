//! The same SDK configuration for another region.

use aws_config::SdkConfig;

/// `config` for `region`, keeping its credentials (and their cache),
/// endpoints and timeouts.
pub fn in_region(config: &SdkConfig, region: &str) -> SdkConfig {
    config
        .to_builder()
        .region(aws_config::Region::new(region.to_owned()))
        .build()
}
