//! The report as one self-contained HTML page (`--format html`): headline
//! numbers, compliance by account and by region as SVG bar charts, the
//! reasons behind the verdicts, and a sortable, filterable table of every
//! row. CSS, SVG and the small sorting script are inline and the page's
//! Content-Security-Policy forbids loading anything, so it reads the same
//! offline as online.
//!
//! The markup is `cli/templates/report.html`, rendered by minijinja (Jinja2
//! syntax, HTML auto-escaping for `.html` templates); this module only
//! computes what the template shows, chart geometry included.

use std::collections::BTreeMap;

use neptune_cmk_evaluator::Compliance;
use serde::Serialize;

use crate::error::Error;
use crate::rows::{encrypted_text, short_key, Report, Row, RowVerdict, NOT_AUDITED, NOT_JUDGED};

const TEMPLATE: &str = include_str!("../../templates/report.html");

/// Renders the page.
pub fn render(report: &Report) -> Result<String, Error> {
    let mut environment = minijinja::Environment::new();
    environment
        .add_template("report.html", TEMPLATE)
        .map_err(|error| Error::Render(error.to_string()))?;
    let page = Page::of(report);
    environment
        .get_template("report.html")
        .and_then(|template| template.render(&page))
        .map_err(|error| Error::Render(error.to_string()))
}

/// Everything the template reads.
#[derive(Serialize)]
struct Page<'a> {
    title: &'a str,
    rule_name: &'a str,
    generated_at: String,
    headline: Headline,
    by_account: Chart,
    by_region: Chart,
    reasons: Vec<ReasonCount>,
    rows: Vec<TableRow>,
}

impl<'a> Page<'a> {
    fn of(report: &'a Report) -> Self {
        let rows = &report.rows;
        Self {
            title: &report.title,
            rule_name: &report.rule_name,
            generated_at: report.generated_at.to_string(),
            headline: Headline::of(rows),
            by_account: Chart::of(rows, |row| row.account.label()),
            by_region: Chart::of(rows, |row| match row.region.as_str() {
                "" => "(whole account)".to_owned(),
                region => region.to_owned(),
            }),
            reasons: ReasonCount::of(rows),
            rows: rows.iter().map(TableRow::of).collect(),
        }
    }
}

/// Counts of each verdict.
#[derive(Serialize, Default, Clone, Copy)]
struct Tally {
    compliant: usize,
    non_compliant: usize,
    not_applicable: usize,
    /// Resources listed but not judged.
    not_judged: usize,
    /// Targets that could not be read (not resources).
    errors: usize,
}

impl Tally {
    fn add(&mut self, row: &Row) {
        match row.verdict {
            RowVerdict::Judged(Compliance::Compliant) => self.compliant += 1,
            RowVerdict::Judged(Compliance::NonCompliant) => self.non_compliant += 1,
            RowVerdict::Judged(Compliance::NotApplicable) => self.not_applicable += 1,
            RowVerdict::Error if row.is_target_failure() => self.errors += 1,
            RowVerdict::Error => self.not_judged += 1,
        }
    }

    /// Every resource, judged or not: the one denominator of the page.
    fn resources(&self) -> usize {
        self.compliant + self.non_compliant + self.not_applicable + self.not_judged
    }
}

/// `count` as a share of `total` in percent, to one decimal; `None` of none.
fn share(count: usize, total: usize) -> Option<f64> {
    (total > 0).then(|| (count as f64 * 1000.0 / total as f64).round() / 10.0)
}

#[derive(Serialize)]
struct Headline {
    tally: Tally,
    resources: usize,
    /// Compliant share of every resource (the reasons table's
    /// denominator too), in percent to one decimal.
    compliant_percent: Option<f64>,
    /// Non-compliant share of every resource.
    non_compliant_percent: Option<f64>,
    accounts: usize,
    regions: usize,
}

impl Headline {
    fn of(rows: &[Row]) -> Self {
        let mut tally = Tally::default();
        let mut accounts = std::collections::BTreeSet::new();
        let mut regions = std::collections::BTreeSet::new();
        for row in rows {
            tally.add(row);
            accounts.insert(&row.account.id);
            if !row.region.is_empty() {
                regions.insert(&row.region);
            }
        }
        let resources = tally.resources();
        Self {
            resources,
            compliant_percent: share(tally.compliant, resources),
            non_compliant_percent: share(tally.non_compliant, resources),
            tally,
            accounts: accounts.len(),
            regions: regions.len(),
        }
    }
}

/// Horizontal stacked bars, one per group, laid out for an SVG viewBox.
#[derive(Serialize)]
struct Chart {
    width: u32,
    height: u32,
    bars: Vec<Bar>,
}

#[derive(Serialize)]
struct Bar {
    label: String,
    /// The label cut to fit the label column; the full one is its tooltip.
    short_label: String,
    y: u32,
    text_y: u32,
    total: usize,
    total_x: f64,
    segments: Vec<Segment>,
}

#[derive(Serialize)]
struct Segment {
    class: &'static str,
    x: f64,
    width: f64,
    count: usize,
    what: &'static str,
}

const LABEL_WIDTH: f64 = 230.0;
const BAR_SPACE: f64 = 400.0;
const BAR_HEIGHT: u32 = 22;
const BAR_STEP: u32 = 30;

impl Chart {
    fn of(rows: &[Row], group: impl Fn(&Row) -> String) -> Self {
        let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
        for row in rows {
            tallies.entry(group(row)).or_default().add(row);
        }
        let most = tallies
            .values()
            .map(|tally| tally.resources() + tally.errors)
            .max()
            .unwrap_or(0)
            .max(1);
        let scale = BAR_SPACE / most as f64;
        let bars: Vec<Bar> = tallies
            .into_iter()
            .enumerate()
            .map(|(index, (label, tally))| Bar::new(label, tally, index as u32 * BAR_STEP, scale))
            .collect();
        Self {
            width: (LABEL_WIDTH + BAR_SPACE + 60.0) as u32,
            height: (bars.len() as u32 * BAR_STEP).max(BAR_STEP),
            bars,
        }
    }
}

impl Bar {
    fn new(label: String, tally: Tally, y: u32, scale: f64) -> Self {
        let parts = [
            ("non-compliant", "NON_COMPLIANT", tally.non_compliant),
            ("compliant", "COMPLIANT", tally.compliant),
            ("not-applicable", "NOT_APPLICABLE", tally.not_applicable),
            ("error", "ERROR", tally.not_judged + tally.errors),
        ];
        let mut x = LABEL_WIDTH;
        let mut segments = Vec::new();
        for (class, what, count) in parts {
            if count > 0 {
                let width = count as f64 * scale;
                segments.push(Segment {
                    class,
                    x,
                    width,
                    count,
                    what,
                });
                x += width;
            }
        }
        let short_label = if label.chars().count() > 34 {
            label.chars().take(33).collect::<String>() + "…"
        } else {
            label.clone()
        };
        Self {
            label,
            short_label,
            y,
            text_y: y + BAR_HEIGHT / 2 + 5,
            total: tally.resources() + tally.errors,
            total_x: x + 6.0,
            segments,
        }
    }
}

/// How many rows each reason (or failure) accounts for.
#[derive(Serialize)]
struct ReasonCount {
    id: String,
    description: String,
    verdict: &'static str,
    class: &'static str,
    count: usize,
    /// Share of every resource, as in the headline; `None` for targets
    /// that could not be read, which are not resources.
    percent: Option<f64>,
}

impl ReasonCount {
    fn of(rows: &[Row]) -> Vec<Self> {
        let mut counts: BTreeMap<(RowVerdict, String, String), usize> = BTreeMap::new();
        for row in rows {
            let (id, description) = match (row.verdict, row.reason) {
                (RowVerdict::Error, _) if row.is_target_failure() => {
                    (NOT_AUDITED, "target could not be audited")
                }
                (RowVerdict::Error, _) => (NOT_JUDGED, "resource could not be judged"),
                (_, Some(reason)) => (reason.as_str(), reason.describe()),
                (_, None) => ("not-reported", "reason not recognised from the annotation"),
            };
            *counts
                .entry((row.verdict, id.to_owned(), description.to_owned()))
                .or_default() += 1;
        }
        let resources = rows.iter().filter(|row| !row.is_target_failure()).count();
        let mut reasons: Vec<Self> = counts
            .into_iter()
            .map(|((verdict, id, description), count)| Self {
                percent: (id != NOT_AUDITED)
                    .then(|| share(count, resources))
                    .flatten(),
                id,
                description,
                verdict: verdict.as_str(),
                class: verdict_class(verdict),
                count,
            })
            .collect();
        reasons.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
        reasons
    }
}

fn verdict_class(verdict: RowVerdict) -> &'static str {
    match verdict {
        RowVerdict::Judged(Compliance::Compliant) => "compliant",
        RowVerdict::Judged(Compliance::NonCompliant) => "non-compliant",
        RowVerdict::Judged(Compliance::NotApplicable) => "not-applicable",
        RowVerdict::Error => "error",
    }
}

/// One table line, as text.
#[derive(Serialize)]
struct TableRow {
    account: String,
    region: String,
    resource_type: String,
    name: String,
    resource_id: String,
    /// The resource's ARN (its cell's tooltip), empty when unknown.
    arn: String,
    encrypted: &'static str,
    key: String,
    key_arn: String,
    key_manager: String,
    key_state: String,
    verdict: &'static str,
    class: &'static str,
    reason: String,
    annotation: String,
}

impl TableRow {
    fn of(row: &Row) -> Self {
        let or_dash = |text: Option<&str>| text.filter(|t| !t.is_empty()).unwrap_or("-").to_owned();
        Self {
            account: row.account.label(),
            region: or_dash(Some(&row.region)),
            resource_type: or_dash(Some(row.short_type())),
            name: or_dash(Some(row.name())),
            resource_id: or_dash(Some(&row.resource_id)),
            arn: row.arn.clone().unwrap_or_default(),
            encrypted: encrypted_text(row.encrypted, row.verdict),
            key: row
                .key_arn
                .as_deref()
                .map_or_else(|| "-".to_owned(), short_key),
            key_arn: row.key_arn.clone().unwrap_or_default(),
            key_manager: or_dash(row.key_manager.as_deref()),
            key_state: or_dash(row.key_state.as_deref()),
            verdict: row.verdict.as_str(),
            class: verdict_class(row.verdict),
            reason: or_dash(row.reason_id()),
            annotation: row.annotation.clone(),
        }
    }
}
