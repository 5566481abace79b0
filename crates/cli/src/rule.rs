//! The checks of a Sentinel rule's YAML beyond its query: schedule,
//! trigger, entity mappings, custom details and data connectors.
//!
//! Limits are Sentinel's for scheduled analytics rules: a query runs every
//! 5 minutes to 14 days and looks back 5 minutes to 14 days; the trigger
//! compares the result count with `gt`, `lt`, `eq` or `ne` and a threshold
//! of 0 to 10,000. Every column an entity mapping or a custom detail names
//! must be in the query's output.

use calypso_binder::Column;
use miette::Severity;
use yaml_rust2::Yaml;

use crate::check::{Finding, RuleQuery, finding};

const MINUTE: u64 = 60;
const FIVE_MINUTES: u64 = 5 * MINUTE;
const FOURTEEN_DAYS: u64 = 14 * 24 * 60 * MINUTE;

/// The findings for `rule` (whose text is `yaml`); `shape` is the query's
/// output columns and the tables it reads, when it bound.
pub(crate) fn check(rule: &Yaml, yaml: &str, shape: Option<&RuleQuery>) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut period = None;
    for key in ["queryFrequency", "queryPeriod"] {
        let Some(value) = scalar_text(&rule[key]) else { continue };
        match duration_seconds(&value) {
            None => found.push(error(
                "kql::check::rule_duration",
                format!("`{key}: {value}` is not a duration Sentinel reads (e.g. 5m, 1h, 14d)"),
                key_offset(yaml, key),
            )),
            Some(seconds) if !(FIVE_MINUTES..=FOURTEEN_DAYS).contains(&seconds) => {
                found.push(error(
                    "kql::check::rule_duration",
                    format!(
                        "`{key}: {value}` is outside Sentinel's limits of 5 minutes to 14 days"
                    ),
                    key_offset(yaml, key),
                ))
            }
            Some(seconds) => {
                if key == "queryPeriod" {
                    period = Some((value, seconds));
                }
            }
        }
    }
    if let Some(op) = scalar_text(&rule["triggerOperator"]) {
        let known = ["gt", "lt", "eq", "ne", "GreaterThan", "LessThan", "Equal", "NotEqual"];
        if !known.contains(&op.as_str()) {
            found.push(error(
                "kql::check::rule_trigger",
                format!("`triggerOperator: {op}` is not one of gt, lt, eq, ne"),
                key_offset(yaml, "triggerOperator"),
            ));
        }
    }
    if !matches!(rule["triggerThreshold"], Yaml::BadValue) {
        let ok = rule["triggerThreshold"].as_i64().is_some_and(|n| (0..=10_000).contains(&n));
        if !ok {
            found.push(error(
                "kql::check::rule_trigger",
                "`triggerThreshold` must be a whole number from 0 to 10000".to_owned(),
                key_offset(yaml, "triggerThreshold"),
            ));
        }
    }
    if let Some(shape) = shape {
        // Columns only the workspace knows may be the mapped ones.
        if let Some(columns) = shape.columns {
            found.extend(mapped_columns(rule, yaml, columns));
        }
        found.extend(connectors(rule, yaml, shape.tables));
        if let Some((text, seconds)) = period {
            found.extend(lookbacks_beyond(&shape.lookbacks, &text, seconds));
        }
    }
    found
}

/// A scheduled rule sees only the last `queryPeriod` of data: an `ago(t)`
/// reaching further back finds nothing there, which is rarely what its
/// author meant.
fn lookbacks_beyond(
    lookbacks: &[(miette::SourceSpan, String, i64)],
    period: &str,
    seconds: u64,
) -> Vec<Finding> {
    let limit = i128::from(seconds) * 1_000_000_000;
    lookbacks
        .iter()
        .filter(|(_, _, t)| i128::from(*t) > limit)
        .map(|(span, written, _)| {
            let mut f = finding(
                "kql::check::rule_lookback",
                Severity::Warning,
                format!(
                    "`{written}` reaches further back than `queryPeriod: {period}`: Sentinel runs \
                     the rule over the last {period} of data only"
                ),
                span.offset(),
            );
            f.span = *span;
            f.label = Some("older than the rule's data".to_owned());
            f.help = Some(format!(
                "raise queryPeriod (at most 14d) to cover it, or look back at most {period}"
            ));
            f
        })
        .collect()
}

/// Entity mappings and custom details name output columns.
fn mapped_columns(rule: &Yaml, yaml: &str, columns: &[Column]) -> Vec<Finding> {
    let mut named = Vec::new();
    for mapping in rule["entityMappings"].as_vec().into_iter().flatten() {
        for field in mapping["fieldMappings"].as_vec().into_iter().flatten() {
            if let Some(column) = field["columnName"].as_str() {
                named.push(("entityMappings", column.to_owned()));
            }
        }
    }
    if let Some(details) = rule["customDetails"].as_hash() {
        named.extend(
            details.values().filter_map(|v| v.as_str()).map(|c| ("customDetails", c.to_owned())),
        );
    }
    named
        .into_iter()
        .filter(|(_, column)| !columns.iter().any(|c| &c.name == column))
        .map(|(section, column)| {
            let closest = calypso_syntax::closest(&column, columns.iter().map(|c| c.name.as_str()))
                .map(|name| format!("did you mean `{name}`?"));
            let at = yaml
                .find(&format!(": {column}"))
                .map(|i| i + 2)
                .unwrap_or_else(|| key_offset(yaml, section));
            let mut f = error(
                "kql::check::rule_column",
                format!("`{column}`, named in {section}, is not a column of the query's output"),
                at,
            );
            f.help = closest.or_else(|| {
                Some(format!(
                    "the query's output has: {}",
                    columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
                ))
            });
            f.span = (at, column.len()).into();
            f
        })
        .collect()
}

/// A table the query reads that no listed connector brings is worth a word:
/// the rule will say it needs the wrong data.
fn connectors(rule: &Yaml, yaml: &str, tables: &[String]) -> Vec<Finding> {
    let listed: Vec<String> = rule["requiredDataConnectors"]
        .as_vec()
        .into_iter()
        .flatten()
        .flat_map(|c| c["dataTypes"].as_vec().into_iter().flatten())
        .filter_map(|t| t.as_str().map(data_type_table))
        .collect();
    if listed.is_empty() {
        return Vec::new();
    }
    tables
        .iter()
        .filter(|t| !listed.iter().any(|l| l == &data_type_table(t)))
        .map(|table| {
            let mut f = finding(
                "kql::check::rule_connectors",
                Severity::Warning,
                format!(
                    "the query reads `{table}`, which no entry of requiredDataConnectors lists"
                ),
                key_offset(yaml, "requiredDataConnectors"),
            );
            f.help =
                Some(format!("add `{table}` to the dataTypes of the connector that brings it"));
            f
        })
        .collect()
}

/// The table a connector's data type names, as compared: `OfficeActivity
/// (SharePoint)` is `OfficeActivity`, and a custom table's `_CL` suffix is
/// dropped because its parser function often carries the bare name.
fn data_type_table(data_type: &str) -> String {
    let name = data_type.split(" (").next().unwrap_or(data_type).trim().to_lowercase();
    name.strip_suffix("_cl").map_or(name.clone(), str::to_owned)
}

fn error(code: &str, message: String, at: usize) -> Finding {
    finding(code, Severity::Error, message, at)
}

/// A scalar's text, whatever YAML typed it as.
fn scalar_text(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(n) => Some(n.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `5m`, `1h`, `14d` (as the rule YAML writes them) or ISO 8601's `PT5M`,
/// `PT1H`, `P1D`, in seconds.
fn duration_seconds(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Some(iso) = text.strip_prefix('P') {
        let (days, time) = match iso.split_once('T') {
            Some((d, t)) => (d, t),
            None => (iso, ""),
        };
        let mut seconds = 0;
        if !days.is_empty() {
            seconds += days.strip_suffix('D')?.parse::<u64>().ok()? * 86_400;
        }
        let mut rest = time;
        for (unit, scale) in [('H', 3_600), ('M', 60), ('S', 1)] {
            if let Some((n, tail)) = rest.split_once(unit) {
                seconds += n.parse::<u64>().ok()? * scale;
                rest = tail;
            }
        }
        return (rest.is_empty() && (!days.is_empty() || !time.is_empty())).then_some(seconds);
    }
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = text.split_at(split);
    let n: u64 = n.parse().ok()?;
    let scale = match unit {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return None,
    };
    Some(n * scale)
}

/// Where a top-level key starts in the YAML, or its beginning.
pub(crate) fn key_offset(yaml: &str, key: &str) -> usize {
    let pattern = format!("{key}:");
    yaml.match_indices(&pattern)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || yaml.as_bytes()[i - 1] == b'\n')
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::duration_seconds;

    #[test]
    fn durations_in_both_spellings() {
        assert_eq!(duration_seconds("5m"), Some(300));
        assert_eq!(duration_seconds("1h"), Some(3_600));
        assert_eq!(duration_seconds("14d"), Some(1_209_600));
        assert_eq!(duration_seconds("PT5M"), Some(300));
        assert_eq!(duration_seconds("PT1H30M"), Some(5_400));
        assert_eq!(duration_seconds("P1D"), Some(86_400));
        assert_eq!(duration_seconds("P1DT2H"), Some(93_600));
        assert_eq!(duration_seconds("1 hour"), None);
        assert_eq!(duration_seconds("P"), None);
        assert_eq!(duration_seconds("h"), None);
    }
}
