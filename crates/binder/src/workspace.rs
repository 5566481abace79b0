//! Functions of the Sentinel workspace that return tables: `_GetWatchlist`
//! and the ASIM parsers whose stubs the catalog holds. `check` binds a
//! query against the columns they return; nothing runs them.

use calypso_syntax::Span;
use calypso_syntax::ast::{self, ExprKind as A};

use crate::bind::Binder;
use crate::catalog::FunctionTable;
use crate::plan::{ExprKind, Plan, PlanKind, Value};
use crate::{BindError, Column};

impl Binder<'_> {
    /// `f(args)` for a function the catalog knows the table of: arguments
    /// by position or by parameter name, the required ones given.
    pub(crate) fn workspace_function(
        &mut self,
        func: &ast::Ident,
        args: &[ast::Expr],
        table: FunctionTable,
        span: Span,
    ) -> Result<Plan, BindError> {
        let mut given = vec![false; table.params.len()];
        let mut first = None;
        for (i, arg) in args.iter().enumerate() {
            let (at, value) = match &arg.kind {
                A::NamedArg { name, value } => {
                    let Some(at) = table.params.iter().position(|p| *p == name.name) else {
                        return Err(BindError::invalid(
                            format!("`{}` has no parameter `{}`", func.name, name.name),
                            name.span,
                            format!("parameters: {}", table.params.join(", ")),
                        ));
                    };
                    (at, value.as_ref())
                }
                _ => (i, arg),
            };
            if at >= table.params.len() {
                return Err(BindError::ArgumentCount {
                    func: func.name.clone(),
                    expected: format!("at most {}", table.params.len()),
                    found: args.len(),
                    span: arg.span,
                });
            }
            given[at] = true;
            let bound = self.scalar(value, &[])?;
            if at == 0 {
                first = Some(bound);
            }
        }
        if let Some(missing) = (0..table.required).find(|&i| !given[i]) {
            return Err(BindError::ArgumentCount {
                func: func.name.clone(),
                expected: format!("`{}`", table.params[missing]),
                found: args.len(),
                span,
            });
        }
        let mut schema = table.columns;
        if table.open {
            // `_GetWatchlist('VIP')` names the call by its alias.
            let call = match first.map(|e| e.kind) {
                Some(ExprKind::Literal(Value::String(alias))) => {
                    format!("{}('{alias}')", func.name)
                }
                _ => format!("{}(...)", func.name),
            };
            schema.push(Column::unknown_columns(&call));
        }
        Ok(Plan { kind: PlanKind::Scan { table: func.name.clone() }, schema, span })
    }
}
