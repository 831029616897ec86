//! `neptune-cmk check`: the rule's verdict on CloudFormation, CDK and
//! Terraform before deploy. The reading and judging are
//! `neptune-cmk-template`'s (pure, no I/O); this module walks the paths,
//! reads the files, describes keys for `--resolve` and prints.

mod files;

use std::collections::BTreeMap;

use neptune_cmk_evaluator::{partition_of, KeyReference};
use neptune_cmk_rule::fact_cache::FactCache;
use neptune_cmk_rule::Clients;
use neptune_cmk_template::{
    parse, CheckOptions, Conclusion, Deployment, Document, Format, KeyLookups, Parsed,
};

use crate::args::{CheckArgs, CheckFormat};
use crate::error::Error;
use crate::output;
use crate::sdk;
use crate::status::Status;

/// Runs `check`: prints the findings, then exits 0, 1 (something
/// NON_COMPLIANT, or UNVERIFIED with `--strict`) or 2 (usage errors, and
/// files that could not be read or parsed).
pub async fn run(args: &CheckArgs) -> Result<Status, Error> {
    // clap defaults to `.`, so there is always a path.
    let paths = &args.paths;
    let files = files::collect(paths, !args.skip_other_files);
    let documents: Vec<Document<'_>> = files.iter().map(files::File::document).collect();
    let parsed = parse(&documents);
    let mut options = CheckOptions {
        parameters: args.rule.rule_parameters()?,
        ..CheckOptions::default()
    };
    if args.resolve {
        let resolved = resolve(args, &parsed).await?;
        options.deployment = Some(resolved.deployment);
        options.lookups = resolved.lookups;
    }
    let report = parsed.judge(&options);
    let rendered = report.render(format(args.format), args.strict);
    output::write(&rendered, args.output.as_deref())?;
    match report.conclusion(args.strict) {
        // Whatever the format, stderr names every file that failed.
        Conclusion::Unreadable => Err(Error::FilesUnreadable(
            report.errors.iter().map(ToString::to_string).collect(),
        )),
        // pre-commit passes whatever JSON and YAML a commit touched; none of
        // them being a template is no failure there.
        Conclusion::NothingChecked if args.skip_other_files => Ok(Status::AllCompliant),
        Conclusion::NothingChecked => Err(Error::NothingChecked {
            paths: paths
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(" "),
            skipped: report.skipped.len(),
        }),
        Conclusion::Fails => Ok(Status::NonCompliant),
        Conclusion::Passes => Ok(Status::AllCompliant),
    }
}

fn format(format: CheckFormat) -> Format {
    match format {
        CheckFormat::Text => Format::Text,
        CheckFormat::Json => Format::Json,
        CheckFormat::Sarif => Format::Sarif,
        CheckFormat::Junit => Format::Junit,
    }
}

/// What `--resolve` adds to a check: where the templates deploy, and what
/// DescribeKey says about the keys they name.
struct Resolved {
    deployment: Deployment,
    lookups: KeyLookups,
}

/// `--resolve`: the deployment (the caller's account, region and partition)
/// and a DescribeKey for every key reference the templates leave open,
/// judged exactly as the rule judges keys (the rule's own fact cache).
async fn resolve(args: &CheckArgs, parsed: &Parsed) -> Result<Resolved, Error> {
    let config = sdk::for_flags(&args.aws).await?;
    let region = sdk::region_of(&config)?;
    let caller = sdk::caller(&config).await?;
    let deployment = Deployment {
        account_id: caller.account_id,
        partition: partition_of(Some(&caller.arn), Some(&region)).to_owned(),
        region,
    };
    let clients = Clients::new(&config);
    let mut cache = FactCache::default();
    let mut lookups = BTreeMap::new();
    for reference in parsed.key_references(Some(&deployment)) {
        let lookup = cache
            .key(&clients, &KeyReference::named(reference.clone()))
            .await?;
        lookups.insert(reference, lookup);
    }
    Ok(Resolved {
        deployment,
        lookups,
    })
}
