//! Runs bound KQL plans on DataFusion.
//!
//! A [`Session`] holds the loaded tables and the query options; [`Session::query`]
//! parses, binds, lowers the plan to a DataFusion `LogicalPlan` (`lower`,
//! `scalar`), runs it, and returns Arrow batches whose fields carry their KQL
//! types. The KQL function library lives in `functions`, one file a family.
//!
//! ```no_run
//! let mut session = calypso_engine::Session::new();
//! let result = session.query("datatable_not_yet | count");
//! assert!(result.is_err());
//! ```

mod functions;
mod lower;
mod scalar;
mod series;

use std::collections::HashMap;
use std::sync::Arc;

use calypso_binder::{BindError, BindOptions, BindWarning, Column};
use calypso_io::{Catalog, LoadError, LoadOptions, Table, TableSource, arrow_type, field};
use calypso_syntax::SyntaxError;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::Schema;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::TableProvider;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::MemTable;
use datafusion::logical_expr::LogicalPlan;
use datafusion::optimizer::optimize_projections::OptimizeProjections;
use datafusion::optimizer::{Optimizer, OptimizerContext};
use datafusion::prelude::{SessionConfig, SessionContext};
use miette::Diagnostic;
use thiserror::Error;

pub use functions::text::{format_real, json_value, text};

/// Why a query failed.
#[derive(Debug, Error, Diagnostic)]
pub enum QueryError {
    /// The text does not parse.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Syntax(#[from] SyntaxError),
    /// The query does not bind: unknown names, type errors, refusals.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Bind(#[from] BindError),
    /// Execution failed.
    #[error("query execution failed: {message}")]
    #[diagnostic(code(kql::exec::failed))]
    Execution {
        /// DataFusion's message.
        message: String,
    },
    /// A query that would exceed a limit or has a value out of its domain.
    #[error("{message}")]
    #[diagnostic(code(kql::exec::limit))]
    Limit {
        /// What is wrong.
        message: String,
        /// The construct.
        #[label("here")]
        span: calypso_syntax::Span,
    },
    /// The user pressed Ctrl-C while an interruptible query ran.
    #[error("query cancelled")]
    #[diagnostic(code(kql::exec::cancelled))]
    Cancelled,
    /// A bug in Calypso.
    #[error("internal error: {message}")]
    #[diagnostic(
        code(kql::internal),
        help("this is a bug in Calypso; please report it with the query")
    )]
    Internal {
        /// What went wrong.
        message: String,
    },
}

impl QueryError {
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        QueryError::Internal { message: message.into() }
    }
}

impl From<datafusion::error::DataFusionError> for QueryError {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        QueryError::Execution { message: e.to_string() }
    }
}

/// A query's answer.
#[derive(Debug)]
pub struct QueryResult {
    /// The output columns with their KQL types.
    pub columns: Vec<Column>,
    /// The rows; fields match `columns` (see `calypso_io::field`).
    pub batches: Vec<RecordBatch>,
    /// Constructs that ran but deserve attention.
    pub warnings: Vec<BindWarning>,
}

impl QueryResult {
    /// How many rows the result has.
    pub fn row_count(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// Loaded tables and query options.
pub struct Session {
    catalog: Catalog,
    /// The workspace's functions (`--functions`), by name.
    functions: HashMap<String, calypso_syntax::ast::FunctionDef>,
    tables: HashMap<String, Table>,
    providers: HashMap<String, Arc<dyn TableProvider>>,
    now: Option<i64>,
    strict: bool,
    runtime: tokio::runtime::Runtime,
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Session {
    /// A session with the built-in catalog and no tables.
    pub fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime can be started");
        Session {
            catalog: calypso_io::builtin(),
            functions: HashMap::new(),
            tables: HashMap::new(),
            providers: HashMap::new(),
            now: None,
            strict: false,
            runtime,
        }
    }

    /// The catalog used to type loaded tables (for `--schemas`).
    pub fn catalog_mut(&mut self) -> &mut Catalog {
        &mut self.catalog
    }

    /// Adds the functions a file defines (`let f = (...) { ... }`, or
    /// `.create function f(...) { ... }` as a workspace keeps them), which
    /// every query may then call; a later definition replaces an earlier
    /// one. Returns their names.
    pub fn add_functions(&mut self, text: &str) -> Result<Vec<String>, SyntaxError> {
        let defined = calypso_syntax::parse_functions(text)?;
        let names = defined.iter().map(|(name, _)| name.name.clone()).collect();
        self.functions.extend(defined.into_iter().map(|(name, def)| (name.name, def)));
        Ok(names)
    }

    /// Pins `now()` to an instant (nanoseconds since the Unix epoch), or
    /// unpins it.
    pub fn set_now(&mut self, now: Option<i64>) {
        self.now = now;
    }

    /// Refuse what Kusto refuses instead of running it with a warning.
    pub fn set_strict(&mut self, strict: bool) {
        self.strict = strict;
    }

    /// Loads a table from its files and makes it queryable by name.
    pub fn load(
        &mut self,
        source: &TableSource,
        options: LoadOptions,
    ) -> Result<&Table, LoadError> {
        let table = calypso_io::load_table(&source.name, &source.files, &self.catalog, options)?;
        self.add_table(table)
    }

    /// Makes an already loaded table queryable.
    pub fn add_table(&mut self, table: Table) -> Result<&Table, LoadError> {
        let schema = Arc::new(Schema::new(
            table.columns.iter().map(|c| field(&c.name, c.ty)).collect::<Vec<_>>(),
        ));
        // One partition a core, so that scans run in parallel.
        let n_partitions = threads().min(table.batches.len()).max(1);
        let mut partitions = vec![Vec::new(); n_partitions];
        for (i, batch) in table.batches.iter().enumerate() {
            partitions[i % n_partitions].push(batch.clone());
        }
        let mem = MemTable::try_new(schema, partitions).map_err(|e| LoadError::Internal {
            table: table.name.clone(),
            reason: e.to_string(),
        })?;
        let name = table.name.clone();
        self.providers.insert(name.clone(), Arc::new(mem));
        self.tables.insert(name.clone(), table);
        Ok(&self.tables[&name])
    }

    /// Makes Parquet files as Calypso writes them queryable without loading
    /// them (see [`calypso_io::calypso_columns`]): DataFusion scans them
    /// while a query runs, decoding only the columns it reads and skipping
    /// the row groups whose statistics rule out its filters.
    pub fn add_parquet(
        &mut self,
        name: &str,
        files: &[std::path::PathBuf],
        columns: Vec<calypso_io::ColumnSchema>,
    ) -> Result<&Table, LoadError> {
        use datafusion::datasource::file_format::parquet::ParquetFormat;
        use datafusion::datasource::listing::{
            ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
        };
        let internal = |reason: String| LoadError::Internal { table: name.to_owned(), reason };
        let schema =
            Arc::new(Schema::new(columns.iter().map(|c| field(&c.name, c.ty)).collect::<Vec<_>>()));
        let urls = files
            .iter()
            .map(|f| {
                let path = std::path::absolute(f).map_err(|e| internal(e.to_string()))?;
                ListingTableUrl::parse(path.to_string_lossy()).map_err(|e| internal(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Any name: the files were chosen by the caller, not by extension.
        let options =
            ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension("");
        let config = ListingTableConfig::new_with_multi_paths(urls)
            .with_listing_options(options)
            .with_schema(schema);
        let provider = ListingTable::try_new(config).map_err(|e| internal(e.to_string()))?;
        let report = calypso_io::LoadReport {
            rows: calypso_io::row_count(files)?,
            schema_origin: calypso_io::SchemaOrigin::Recorded,
            ..calypso_io::LoadReport::default()
        };
        let table = Table { name: name.to_owned(), columns, batches: Vec::new(), report };
        self.providers.insert(name.to_owned(), Arc::new(provider));
        self.tables.insert(name.to_owned(), table);
        Ok(&self.tables[name])
    }

    /// The loaded tables.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.values()
    }

    /// The columns a query's result would have, found by binding it without
    /// running it; `None` when it does not parse or bind (the REPL completes
    /// column names with this).
    pub fn result_columns(&self, text: &str) -> Option<Vec<Column>> {
        let script = calypso_syntax::parse(text).ok()?;
        let bound = calypso_binder::bind(&script, self, BindOptions { strict: false }).ok()?;
        Some(bound.plan.schema)
    }

    /// What a query reads of each of `tables` (name and columns, with no
    /// rows yet), found by planning it over empty tables without running it:
    /// the columns DataFusion's projection pruning keeps in each scan, and
    /// every column the text names (binding needs those to exist even where
    /// their values are never used); and the query's result columns. A
    /// caller loads only those columns, and runs the query again over every
    /// column should the result columns differ or the query fail.
    ///
    /// A table whose scans keep every column the schema gives may need the
    /// columns no schema names as well (a query that returns whole rows):
    /// it is [`Needed::All`]. `None` when the query does not plan, or when
    /// its result depends on which columns the tables have beyond those it
    /// names (`*`, name patterns, `search`, `union`, `getschema`,
    /// `column_ifexists`): every column of every table is then needed.
    pub fn columns_read(
        &self,
        text: &str,
        tables: &[(String, Vec<calypso_io::ColumnSchema>)],
    ) -> Option<ColumnsRead> {
        // Planning recurses as deep as the query's expressions (`search`
        // over a wide table is an `or` of a term a column): a thread with
        // room for that, whatever the caller's stack.
        let now = self.now;
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(PLANNING_STACK)
                .spawn_scoped(scope, || plan_columns_read(now, text, tables))
                .ok()?
                .join()
                .ok()?
        })
    }

    /// Parses, binds and runs a query text.
    pub fn query(&self, text: &str) -> Result<QueryResult, QueryError> {
        self.run_query(text, false)
    }

    /// Like [`Session::query`], but Ctrl-C (SIGINT) while it runs cancels
    /// it with [`QueryError::Cancelled`] instead of ending the process. Once
    /// called, the process keeps its Ctrl-C handler (tokio installs it for
    /// good), so only interactive programs should use this.
    pub fn query_interruptible(&self, text: &str) -> Result<QueryResult, QueryError> {
        self.run_query(text, true)
    }

    fn run_query(&self, text: &str, interruptible: bool) -> Result<QueryResult, QueryError> {
        let script = calypso_syntax::parse(text)?;
        let bound = calypso_binder::bind(&script, self, BindOptions { strict: self.strict })?;
        // One instant for the whole query.
        let now = self.now.unwrap_or_else(|| {
            chrono::Utc::now().timestamp_nanos_opt().expect("the current time fits in nanoseconds")
        });
        // Subqueries (`x in (T)`, `toscalar(T)`) first, the innermost first.
        let mut subqueries = HashMap::new();
        for (id, plan, scalar) in bound.plan.subqueries().into_iter().rev() {
            let batches = self.execute(&plan, now, subqueries.clone(), interruptible)?;
            let mut values = Vec::new();
            for batch in &batches {
                for row in 0..batch.num_rows() {
                    values.push(datafusion::common::ScalarValue::try_from_array(
                        batch.column(0),
                        row,
                    )?);
                    if scalar {
                        break;
                    }
                }
                if scalar && !values.is_empty() {
                    break;
                }
            }
            subqueries.insert(id, values);
        }
        let batches = self.execute(&bound.plan, now, subqueries, interruptible)?;
        let columns = bound.plan.schema.clone();
        let batches = batches.iter().map(|b| conform(b, &columns)).collect::<Result<_, _>>()?;
        Ok(QueryResult { columns, batches, warnings: bound.warnings })
    }

    /// Lowers and runs a bound plan.
    fn execute(
        &self,
        plan: &calypso_binder::plan::Plan,
        now: i64,
        subqueries: HashMap<usize, Vec<datafusion::common::ScalarValue>>,
        interruptible: bool,
    ) -> Result<Vec<RecordBatch>, QueryError> {
        let mut lowerer = lower::Lowerer {
            ctx: scalar::Ctx { now, subqueries },
            tables: &self.providers,
            runtime: &self.runtime,
            next_alias: 0,
        };
        let plan = lowerer.plan(plan)?;

        let ctx = context();
        let work = async { ctx.execute_logical_plan(plan).await?.collect().await };
        if !interruptible {
            return Ok(self.runtime.block_on(work)?);
        }
        // Dropping the unfinished collection drops the plan's streams, which
        // stops their tasks.
        self.runtime.block_on(async {
            tokio::select! {
                res = work => Ok(res?),
                _ = tokio::signal::ctrl_c() => Err(QueryError::Cancelled),
            }
        })
    }
}

/// The stack planning runs on, in [`Session::columns_read`].
const PLANNING_STACK: usize = 64 << 20;

/// [`Session::columns_read`]'s work, over a probe session of empty tables.
fn plan_columns_read(
    now: Option<i64>,
    text: &str,
    tables: &[(String, Vec<calypso_io::ColumnSchema>)],
) -> Option<ColumnsRead> {
    let mut probe = Session::new();
    probe.now = now;
    for (name, columns) in tables {
        let table = Table {
            name: name.clone(),
            columns: columns.clone(),
            batches: Vec::new(),
            report: calypso_io::LoadReport::default(),
        };
        probe.add_table(table).ok()?;
    }
    let script = calypso_syntax::parse(text).ok()?;
    let bound = calypso_binder::bind(&script, &probe, BindOptions { strict: false }).ok()?;
    if bound.reads_schema {
        return None;
    }
    let subqueries: HashMap<_, _> =
        bound.plan.subqueries().into_iter().map(|(id, _, _)| (id, Vec::new())).collect();
    let mut plans = vec![bound.plan.clone()];
    plans.extend(bound.plan.subqueries().into_iter().map(|(_, plan, _)| plan));
    let mut read: HashMap<String, Vec<String>> = HashMap::new();
    for plan in &plans {
        let mut lowerer = lower::Lowerer {
            ctx: scalar::Ctx { now: 0, subqueries: subqueries.clone() },
            tables: &probe.providers,
            runtime: &probe.runtime,
            next_alias: 0,
        };
        let lowered = lowerer.plan(plan).ok()?;
        // Projection pruning alone: the other rules would fold the
        // placeholders that stand for subquery results, and could
        // drop a scan whose filter then looks constant.
        let prune = Optimizer::with_rules(vec![Arc::new(OptimizeProjections::new())]);
        let optimized = prune.optimize(lowered, &OptimizerContext::new(), |_, _| {}).ok()?;
        optimized
            .apply_with_subqueries(|node| {
                if let LogicalPlan::TableScan(scan) = node {
                    let schema = scan.source.schema();
                    let names: Vec<String> = match &scan.projection {
                        Some(indices) => {
                            indices.iter().map(|&i| schema.field(i).name().clone()).collect()
                        }
                        None => schema.fields().iter().map(|f| f.name().clone()).collect(),
                    };
                    let entry = read.entry(scan.table_name.table().to_owned()).or_default();
                    for name in names {
                        if !entry.contains(&name) {
                            entry.push(name);
                        }
                    }
                }
                Ok(TreeNodeRecursion::Continue)
            })
            .ok()?;
    }
    let named: std::collections::HashSet<String> = calypso_syntax::lexer::tokenize(text)
        .ok()?
        .into_iter()
        .filter_map(|t| match t.kind {
            calypso_syntax::lexer::TokenKind::Ident(w)
            | calypso_syntax::lexer::TokenKind::QuotedIdent(w) => Some(w),
            _ => None,
        })
        .collect();
    let mut needed = HashMap::new();
    for (name, columns) in tables {
        let Some(mut kept) = read.remove(name) else { continue };
        for column in columns {
            if named.contains(&column.name) && !kept.contains(&column.name) {
                kept.push(column.name.clone());
            }
        }
        let all = columns.iter().all(|c| kept.contains(&c.name));
        needed.insert(name.clone(), if all { Needed::All } else { Needed::Columns(kept) });
    }
    Some(ColumnsRead { tables: needed, result: bound.plan.schema })
}

/// What a query reads, from [`Session::columns_read`].
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnsRead {
    /// What the query reads of each table it scans, by table name; a table
    /// it does not scan is absent.
    pub tables: HashMap<String, Needed>,
    /// The query's result columns.
    pub result: Vec<Column>,
}

/// What a query reads of one table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Needed {
    /// These columns: the ones its scans keep and the ones its text names.
    Columns(Vec<String>),
    /// Every column, those no schema names too.
    All,
}

/// The DataFusion context a plan runs in.
fn context() -> SessionContext {
    // Parquet scans evaluate the filters they are given while decoding, so
    // a row that fails them is not decoded further.
    let config = SessionConfig::new()
        .with_target_partitions(threads())
        .set_bool("datafusion.execution.parquet.pushdown_filters", true);
    let ctx = SessionContext::new_with_config(config);
    // DataFusion 55's common-subexpression rule breaks plans where two
    // aggregates share a FILTER (`countif(v > 2), sumif(v, v > 2)`: an
    // internal nullability error); it only saves recomputation.
    ctx.remove_optimizer_rule("common_sub_expression_eliminate");
    ctx
}

/// How many threads queries and scans use: one a core.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A result batch with exactly the bound schema's names, Arrow types and
/// KQL type metadata.
fn conform(batch: &RecordBatch, columns: &[Column]) -> Result<RecordBatch, QueryError> {
    if batch.num_columns() != columns.len() {
        return Err(QueryError::internal(format!(
            "the plan produced {} columns where the binder expected {}",
            batch.num_columns(),
            columns.len()
        )));
    }
    let arrays = batch
        .columns()
        .iter()
        .zip(columns)
        .map(|(a, c)| cast(a, &arrow_type(c.ty)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| QueryError::internal(e.to_string()))?;
    let schema =
        Arc::new(Schema::new(columns.iter().map(|c| field(&c.name, c.ty)).collect::<Vec<_>>()));
    RecordBatch::try_new(schema, arrays).map_err(|e| QueryError::internal(e.to_string()))
}

impl calypso_binder::Catalog for Session {
    fn table(&self, name: &str) -> Option<Vec<Column>> {
        let table = self.tables.get(name)?;
        Some(table.columns.iter().map(|c| Column::new(c.name.clone(), c.ty)).collect())
    }

    fn table_names(&self) -> Vec<String> {
        self.tables.keys().cloned().collect()
    }

    fn function_definition(&self, name: &str) -> Option<calypso_syntax::ast::FunctionDef> {
        self.functions.get(name).cloned()
    }
}
