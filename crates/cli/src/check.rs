//! `calypso check`: will Sentinel accept this rule? Parse and bind every
//! query against the table catalog, without running it.
//!
//! Files are `.kql` queries or Sentinel analytic-rule and hunting-query YAML
//! (their `query:` field); positions are reported in the file itself, inside
//! the YAML's `query:` block. A finding is an error when Kusto would reject
//! the query (a syntax error, an unknown table or column, a type error, a
//! comparison of two dynamic values). What Calypso cannot judge is a warning,
//! never an error: a function it does not know (it may be a Kusto or
//! workspace function), or a construct it does not support, past which the
//! query was not checked. A validator that cries wolf is not used.

use std::fmt;
use std::path::{Path, PathBuf};

use calypso_binder::{BindError, BindOptions, BindWarning, Catalog, Column, FunctionTable};
use calypso_engine::Session;
use calypso_syntax::KqlType;
use miette::{Diagnostic, LabeledSpan, NamedSource, Report, Severity, SourceSpan};
use serde_json::json;

use crate::eprint_report;

/// One problem found in a file, its span already in the file's own text.
#[derive(Debug)]
pub(crate) struct Finding {
    pub(crate) code: String,
    pub(crate) severity: Severity,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
    pub(crate) span: SourceSpan,
    pub(crate) label: Option<String>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Finding {}

impl Diagnostic for Finding {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(self.label.clone(), self.span))))
    }
}

/// The query of a file and where each of its lines starts in the file.
struct Query {
    text: String,
    /// For each line of `text`, the byte offset in the file where it starts;
    /// empty when the lines cannot be found in the file.
    line_starts: Vec<usize>,
    /// Where to point when they cannot: the `query:` key.
    anchor: usize,
}

impl Query {
    /// A whole `.kql` file.
    fn whole(text: &str) -> Query {
        let line_starts =
            std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Query { text: text.to_owned(), line_starts, anchor: 0 }
    }

    /// An offset in the query as an offset in the file.
    fn to_file(&self, offset: usize) -> usize {
        if self.line_starts.is_empty() {
            return self.anchor;
        }
        let offset = offset.min(self.text.len());
        let line = self.text[..offset].matches('\n').count();
        let line_start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        self.line_starts.get(line).map_or(offset, |start| start + offset - line_start)
    }
}

/// The query of a rule's YAML and the rule itself, or a finding that says
/// why there is none.
fn yaml_rule(text: &str) -> Result<(Query, yaml_rust2::Yaml), Finding> {
    let docs = yaml_rust2::YamlLoader::load_from_str(text).map_err(|e| {
        let at = e.marker().index().min(text.len());
        finding(
            "kql::check::yaml",
            Severity::Error,
            format!("the YAML does not parse: {}", e.info()),
            at,
        )
    })?;
    let query = docs.first().and_then(|doc| doc["query"].as_str().map(str::to_owned));
    let query = query.as_deref().ok_or_else(|| {
        finding("kql::check::no_query", Severity::Error, "the YAML has no `query:` field".into(), 0)
    })?;
    let (line_starts, anchor) = block_line_starts(text, query);
    let rule = docs.into_iter().next().expect("a document, since it has a query");
    Ok((Query { text: query.to_owned(), line_starts, anchor }, rule))
}

/// Where each line of a `query:` block scalar starts in the YAML text: the
/// block's lines follow the `query:` line, indented. When the text does not
/// line up (a quoted or folded scalar), there are none, and positions are
/// given as the `query:` key, which is returned too.
fn block_line_starts(yaml: &str, query: &str) -> (Vec<usize>, usize) {
    let key = crate::rule::key_offset(yaml, "query");
    let lines: Vec<&str> = query.split('\n').collect();
    let mut starts = Vec::with_capacity(lines.len());
    let mut offset = yaml[key..].find('\n').map_or(yaml.len(), |n| key + n + 1);
    for line in &lines {
        let raw_end = yaml[offset..].find('\n').map_or(yaml.len(), |n| offset + n);
        let raw = &yaml[offset..raw_end];
        if !line.is_empty() && !raw.ends_with(line.trim_end()) {
            return (Vec::new(), key);
        }
        starts.push(offset + raw.trim_end().len() - line.trim_end().len());
        offset = (raw_end + 1).min(yaml.len());
    }
    (starts, key)
}

pub(crate) fn finding(code: &str, severity: Severity, message: String, at: usize) -> Finding {
    Finding {
        code: code.to_owned(),
        severity,
        message,
        help: None,
        span: (at, 0).into(),
        label: None,
    }
}

/// A diagnostic from the parser or binder, moved into the file.
fn from_diagnostic(d: &dyn Diagnostic, severity: Severity, query: &Query) -> Finding {
    let label = d.labels().and_then(|mut l| l.next());
    let (span, text) = match label {
        Some(l) => {
            let start = query.to_file(l.offset());
            let end = query.to_file(l.offset() + l.len());
            ((start, end - start).into(), l.label().map(str::to_owned))
        }
        None => ((query.to_file(0), 0).into(), None),
    };
    Finding {
        code: d.code().map_or_else(|| "kql::check".to_owned(), |c| c.to_string()),
        severity,
        message: d.to_string(),
        help: d.help().map(|h| h.to_string()),
        span,
        label: text,
    }
}

/// The tables a query may read: those loaded with `-d`, then the catalog's.
struct Tables<'a> {
    session: &'a Session,
    catalog: &'a calypso_io::Catalog,
}

/// Whether `name` is an ASIM unifying parser (`imProcess`, `imDns`, …),
/// which Sentinel defines as a function, not a table.
fn is_asim_parser(name: &str) -> bool {
    name.strip_prefix("im").is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// The standard columns Log Analytics gives every table, some of them
/// hidden from `getschema`; the catalog's sources leave some out.
const STANDARD_COLUMNS: [(&str, KqlType); 8] = [
    ("TenantId", KqlType::String),
    ("Type", KqlType::String),
    ("_ItemId", KqlType::String),
    ("_TimeReceived", KqlType::Datetime),
    ("_ResourceId", KqlType::String),
    ("_SubscriptionId", KqlType::String),
    ("_IsBillable", KqlType::String),
    ("_BilledSize", KqlType::Real),
];

impl Catalog for Tables<'_> {
    fn table(&self, name: &str) -> Option<Vec<Column>> {
        self.session.table(name).or_else(|| {
            let mut columns: Vec<Column> = self
                .catalog
                .table(name)?
                .iter()
                .map(|c| Column::new(c.name.clone(), c.ty))
                .collect();
            for (standard, ty) in STANDARD_COLUMNS {
                if !columns.iter().any(|c| c.name == standard) {
                    columns.push(Column::new(standard, ty));
                }
            }
            // Each Azure resource type adds columns of its own (`*_s`, `*_d`);
            // an ASIM parser's schema (`imProcess`: the catalog holds a 2022
            // stub) grows with each version, and some keep their source's.
            if name == "AzureDiagnostics" || is_asim_parser(name) {
                columns.push(Column::unknown_columns(name));
            }
            Some(columns)
        })
    }

    fn table_names(&self) -> Vec<String> {
        let mut names = self.session.table_names();
        names.extend(self.catalog.names().map(str::to_owned));
        names
    }

    fn function_definition(&self, name: &str) -> Option<calypso_syntax::ast::FunctionDef> {
        self.session.function_definition(name)
    }

    fn function_table(&self, name: &str) -> Option<FunctionTable> {
        let f = self.catalog.function(name)?;
        Some(FunctionTable {
            params: f.params.clone(),
            required: f.required,
            columns: f.columns.iter().map(|c| Column::new(c.name.clone(), c.ty)).collect(),
            open: f.open || name.starts_with("_Im_"),
        })
    }
}

/// What binding a query learnt: its output columns (unless some are known
/// only to the workspace, as a watchlist's are) and the tables it reads.
struct Shape {
    columns: Option<Vec<Column>>,
    tables: Vec<String>,
    /// Each constant `ago(t)`: where it is in the query, and `t` in
    /// nanoseconds.
    lookbacks: Vec<(calypso_syntax::Span, i64)>,
}

/// What a rule's checks need to know of its query, placed in the file.
pub(crate) struct RuleQuery<'a> {
    /// The output columns, unless some only the workspace knows.
    pub(crate) columns: Option<&'a [Column]>,
    /// The tables read.
    pub(crate) tables: &'a [String],
    /// Each constant `ago(t)`: its span in the file, its text, and `t` in
    /// nanoseconds.
    pub(crate) lookbacks: Vec<(SourceSpan, String, i64)>,
}

/// Everything found in one query, and its shape when it bound.
fn check_query(query: &Query, tables: &Tables, syntax_only: bool) -> (Vec<Finding>, Option<Shape>) {
    // Every broken statement, not only the first.
    let (script, errors) = calypso_syntax::parse_recovering(&query.text);
    if !errors.is_empty() {
        let found = errors.iter().map(|e| from_diagnostic(e, Severity::Error, query)).collect();
        return (found, None);
    }
    if syntax_only {
        return (Vec::new(), None);
    }
    // Strict: what Kusto rejects (two dynamics compared) is an error here.
    match calypso_binder::bind(&script, tables, BindOptions { strict: true }) {
        Ok(bound) => {
            // Of the warnings, only a likely bug in the rule concerns Kusto;
            // the rest say what Calypso itself does differently.
            let found = bound
                .warnings
                .iter()
                .filter(|w| matches!(w, BindWarning::NamedPredicate { .. }))
                .map(|w| from_diagnostic(w, Severity::Warning, query))
                .collect();
            let open = bound.plan.schema.iter().any(|c| c.unknown_columns_of().is_some());
            // A workspace function is read like a table, but is none.
            let read = bound.plan.tables().into_iter();
            let shape = Shape {
                tables: read.filter(|t| tables.function_table(t).is_none()).collect(),
                lookbacks: bound.plan.lookbacks(),
                columns: (!open).then_some(bound.plan.schema),
            };
            (found, Some(shape))
        }
        Err(e) => (every_finding(script, e, query, tables), None),
    }
}

/// Whether KQL `text` names any of `names`.
fn reads_any(text: &str, names: &[String]) -> bool {
    use calypso_syntax::lexer::{TokenKind, tokenize};
    tokenize(text).is_ok_and(|tokens| {
        tokens.iter().any(|t| match &t.kind {
            TokenKind::Ident(n) | TokenKind::QuotedIdent(n) => names.contains(n),
            _ => false,
        })
    })
}

/// Binding stops at its first finding. To report each broken statement,
/// the `let` that finding is in is set aside and the rest bound again, until
/// the query itself fails or binds; a later error that only names a `let`
/// set aside is its consequence, and is not reported (its statement is set
/// aside in turn).
fn every_finding(
    mut script: calypso_syntax::ast::Script,
    first: BindError,
    query: &Query,
    tables: &Tables,
) -> Vec<Finding> {
    use calypso_syntax::ast::StatementKind;
    let mut found = vec![classify(&first, query)];
    let mut error = first;
    let mut set_aside: Vec<String> = Vec::new();
    while let Some(at) = error.labels().and_then(|mut l| l.next()).map(|l| l.offset()) {
        let Some(i) = script.statements.iter().position(|s| s.span.start <= at && at <= s.span.end)
        else {
            break;
        };
        let StatementKind::Let { name, .. } = &script.statements[i].kind else { break };
        set_aside.push(name.name.clone());
        script.statements.remove(i);
        match calypso_binder::bind(&script, tables, BindOptions { strict: true }) {
            Ok(_) => break,
            Err(next) => {
                // A consequence: the failing statement reads a `let` set aside.
                let at = next.labels().and_then(|mut l| l.next()).map(|l| l.offset());
                let statement = at.and_then(|at| {
                    script.statements.iter().find(|s| s.span.start <= at && at <= s.span.end)
                });
                let consequence = statement.is_some_and(|s| {
                    reads_any(
                        &query.text[s.span.start..s.span.end.min(query.text.len())],
                        &set_aside,
                    )
                });
                if !consequence {
                    found.push(classify(&next, query));
                }
                error = next;
            }
        }
    }
    found
}

/// A bind error is an error only when Kusto would reject the query too.
fn classify(e: &BindError, query: &Query) -> Finding {
    // An error inside a workspace function is judged by what it is.
    match e.innermost() {
        BindError::UnknownFunction { name, help, .. } if !typo(name, help.as_deref()) => {
            let mut f = from_diagnostic(e, Severity::Warning, query);
            f.code = "kql::check::unchecked".to_owned();
            f.message = format!("{e}: not checked past here");
            f.help = Some(
                "Calypso does not know this function; if Kusto or the workspace defines it, \
                 the rule may be fine, but the rest of the query was not checked"
                    .to_owned(),
            );
            f
        }
        // A name that is no typo of a known table is most likely the
        // workspace's own: a parser function or a custom table the catalog
        // lacks; so is `X` beside a table `X_CL`, the name Sentinel's
        // solutions give the parser function over their custom table.
        BindError::UnknownTable { name, help, .. } if !typo(name, help.as_deref()) => {
            let mut f = from_diagnostic(e, Severity::Warning, query);
            f.code = "kql::check::unchecked".to_owned();
            f.message = format!("{e}: not checked past here");
            f.help = Some(
                "Calypso's catalog has no table of this name or close to it; a function or a \
                 custom table of the workspace would be fine (pass its definition with \
                 --functions, or its schema with --schemas), but the rest of the query was not \
                 checked"
                    .to_owned(),
            );
            f
        }
        BindError::OpenColumns { .. } => {
            let mut f = from_diagnostic(e, Severity::Warning, query);
            f.code = "kql::check::unchecked".to_owned();
            f.message = format!("{e}: not checked past here");
            f
        }
        BindError::NotSupported { .. } => {
            let mut f = from_diagnostic(e, Severity::Warning, query);
            f.code = "kql::check::unchecked".to_owned();
            f.message = format!("{e}: not checked past here");
            f.help = Some(
                "Kusto accepts this, but Calypso cannot check it yet: the rest of the query \
                 was not checked (docs/supported.md lists what Calypso runs)"
                    .to_owned(),
            );
            f
        }
        _ => from_diagnostic(e, Severity::Error, query),
    }
}

/// Whether the "did you mean" of an unknown name suggests a name it is a
/// typo of (and not its table's `_CL` form).
fn typo(name: &str, help: Option<&str>) -> bool {
    calypso_binder::suggested_name(help)
        .is_some_and(|s| s != format!("{name}_CL") && calypso_syntax::is_typo(name, s))
}

/// The findings of one file, or the reason it could not be read.
pub(crate) fn check_file(
    path: &Path,
    session: &Session,
    catalog: &calypso_io::Catalog,
    syntax_only: bool,
) -> Result<(String, Vec<Finding>), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let is_yaml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    let (query, rule) = if is_yaml {
        match yaml_rule(&text) {
            Ok((q, rule)) => (q, Some(rule)),
            Err(f) => return Ok((text, vec![f])),
        }
    } else {
        (Query::whole(&text), None)
    };
    let tables = Tables { session, catalog };
    let (mut findings, shape) = check_query(&query, &tables, syntax_only);
    if let Some(rule) = &rule {
        let shape = shape.as_ref().map(|s| RuleQuery {
            columns: s.columns.as_deref(),
            tables: &s.tables,
            lookbacks: s
                .lookbacks
                .iter()
                .map(|(span, t)| {
                    let start = query.to_file(span.start);
                    let end = query.to_file(span.end);
                    let written = query.text[span.start..span.end].to_owned();
                    ((start, end.saturating_sub(start)).into(), written, *t)
                })
                .collect(),
        });
        findings.extend(crate::rule::check(rule, &text, shape.as_ref()));
    }
    Ok((text, findings))
}

/// The files to check: each file as given, and every `.kql`, `.yaml` and
/// `.yml` file below each folder, in path order. A path that cannot be
/// read is kept, to be reported as unreadable.
pub(crate) fn expand(paths: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| {
                let e = e.to_ascii_lowercase();
                e == "kql" || e == "yaml" || e == "yml"
            }) {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut files);
        } else {
            files.push(path.clone());
        }
    }
    files
}

/// `calypso check`'s output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum CheckFormat {
    /// miette reports, every finding of a file together.
    Human,
    /// One JSON object per file (design.md §5).
    Json,
    /// One SARIF 2.1.0 log for every file, for code-scanning tools.
    Sarif,
}

/// Checks every file, prints the findings; true when none is an error.
pub(crate) fn run(
    files: &[PathBuf],
    session: &Session,
    catalog: &calypso_io::Catalog,
    syntax_only: bool,
    format: CheckFormat,
) -> bool {
    let mut clean = true;
    let (mut errors, mut warnings) = (0, 0);
    let mut sarif = Vec::new();
    for path in files {
        let (text, findings) = match check_file(path, session, catalog, syntax_only) {
            Ok(found) => found,
            Err(reason) => {
                clean = false;
                errors += 1;
                match format {
                    CheckFormat::Human => {
                        eprint_report(&miette::miette!(code = "kql::check::unreadable", "{reason}"))
                    }
                    CheckFormat::Json => print_json(
                        path,
                        false,
                        vec![json!({
                            "code": "kql::check::unreadable", "severity": "error",
                            "message": reason, "line": 0, "column": 0,
                        })],
                    ),
                    CheckFormat::Sarif => sarif.push(sarif_result(
                        path,
                        "kql::check::unreadable",
                        "error",
                        &reason,
                        1,
                        1,
                    )),
                }
                continue;
            }
        };
        let file_errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
        errors += file_errors;
        warnings += findings.len() - file_errors;
        clean &= file_errors == 0;
        match format {
            CheckFormat::Human => {
                let source = NamedSource::new(path.display().to_string(), text);
                for f in findings {
                    eprint_report(&Report::new(f).with_source_code(source.clone()));
                }
            }
            CheckFormat::Json => {
                let diagnostics = findings
                    .iter()
                    .map(|f| {
                        let (line, column) = line_column(&text, f.span.offset());
                        json!({
                            "code": f.code,
                            "severity": if f.severity == Severity::Error { "error" } else { "warning" },
                            "message": f.message,
                            "line": line,
                            "column": column,
                        })
                    })
                    .collect();
                print_json(path, file_errors == 0, diagnostics);
            }
            CheckFormat::Sarif => {
                for f in &findings {
                    let (line, column) = line_column(&text, f.span.offset());
                    let level = if f.severity == Severity::Error { "error" } else { "warning" };
                    sarif.push(sarif_result(path, &f.code, level, &f.message, line, column));
                }
            }
        }
    }
    if format == CheckFormat::Sarif {
        print_sarif(sarif);
    }
    if format == CheckFormat::Human {
        let mut err = std::io::stderr().lock();
        let _ = std::io::Write::write_fmt(
            &mut err,
            format_args!(
                "checked {} file{}: {errors} error{}, {warnings} warning{}\n",
                files.len(),
                plural(files.len()),
                plural(errors),
                plural(warnings)
            ),
        );
    }
    clean
}

/// One SARIF result.
fn sarif_result(
    path: &Path,
    code: &str,
    level: &str,
    message: &str,
    line: usize,
    column: usize,
) -> serde_json::Value {
    json!({
        "ruleId": code,
        "level": level,
        "message": { "text": message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": path.display().to_string().replace('\\', "/") },
                "region": { "startLine": line, "startColumn": column },
            }
        }],
    })
}

/// The SARIF 2.1.0 log of every result, its rules those the results use.
fn print_sarif(results: Vec<serde_json::Value>) {
    let mut rules: Vec<&str> = results.iter().filter_map(|r| r["ruleId"].as_str()).collect();
    rules.sort_unstable();
    rules.dedup();
    let log = json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": { "driver": {
                "name": "calypso",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules.iter().map(|id| json!({ "id": id })).collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    });
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = std::io::Write::write_fmt(&mut out, format_args!("{log:#}\n"));
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn print_json(path: &Path, ok: bool, diagnostics: Vec<serde_json::Value>) {
    let record =
        json!({ "file": path.display().to_string(), "ok": ok, "diagnostics": diagnostics });
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = std::io::Write::write_fmt(&mut out, format_args!("{record}\n"));
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml_query(text: &str) -> Result<Query, Finding> {
        yaml_rule(text).map(|(query, _)| query)
    }

    #[test]
    fn block_scalar_lines_map_into_the_yaml() {
        let yaml = "id: x\nquery: |\n  SigninLogs\n  | where A == 1\nkind: Scheduled\n";
        let query = yaml_query(yaml).unwrap();
        assert_eq!(query.text, "SigninLogs\n| where A == 1\n");
        // `where` on the query's second line is on the YAML's fourth.
        let at = query.to_file(query.text.find("where").unwrap());
        assert_eq!(&yaml[at..at + 5], "where");
        assert_eq!(line_column(yaml, at), (4, 5));
    }

    #[test]
    fn a_quoted_query_maps_to_its_key() {
        let yaml = "query: \"T | take 1\"\n";
        let query = yaml_query(yaml).unwrap();
        assert_eq!(query.text, "T | take 1");
        assert_eq!(query.to_file(4), 0);
    }

    #[test]
    fn yaml_without_a_query_or_broken() {
        assert_eq!(yaml_query("id: x\n").err().unwrap().code, "kql::check::no_query");
        let broken = yaml_query("query: [unclosed\n").err().unwrap();
        assert_eq!(broken.code, "kql::check::yaml");
    }
}
