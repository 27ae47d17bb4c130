//! Findings of a set of records: raised, refreshed and resolved.

use sea_orm::{ConnectionTrait, DbErr, TransactionTrait};

use crate::{Findings, Report, Work};

pub(crate) async fn evaluate_work<C>(
    findings: &Findings,
    db: &C,
    work: &Work,
) -> Result<Report, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let _ = (findings, db, work);
    todo!("helper A")
}

pub(crate) async fn evaluate_all<C>(findings: &Findings, db: &C) -> Result<Report, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let _ = (findings, db);
    todo!("helper A")
}
