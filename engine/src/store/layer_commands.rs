//! The state-locking commands each claim of a layer job ran (see the
//! migration `0010_layer_commands`): what tells a state lock a job's own
//! earlier run left behind from anyone else's.

use sqlx::{Any, Executor, Row};

use super::StoreError;

/// One `plan` or `apply` as it was started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCommand<'a> {
    pub job: i64,
    /// The fencing token of the claim that ran it.
    pub claim: i64,
    pub workspace: &'a str,
    /// `plan` or `apply`.
    pub operation: &'a str,
    /// `user@host`, as Terraform writes it in a lock's `Who`.
    pub who: &'a str,
    pub host: &'a str,
    pub started_at: i64,
}

/// One recorded command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub claim: i64,
    pub operation: String,
    pub who: String,
    pub host: String,
    pub pid: Option<i64>,
    pub started_at: i64,
    /// When Palette saw the process end; `None` if it never did (the
    /// worker died first).
    pub ended_at: Option<i64>,
}

/// Records a command about to start; answers its id.
pub async fn start<'e>(
    db: impl Executor<'e, Database = Any>,
    command: &NewCommand<'_>,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO layer_commands (job_id, claim, workspace, operation, who, host, started_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(command.job)
    .bind(command.claim)
    .bind(command.workspace)
    .bind(command.operation)
    .bind(command.who)
    .bind(command.host)
    .bind(command.started_at)
    .fetch_one(db)
    .await?;
    Ok(row.try_get("id")?)
}

/// Records the process id of command `id`.
pub async fn set_pid<'e>(
    db: impl Executor<'e, Database = Any>,
    id: i64,
    pid: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE layer_commands SET pid = $2 WHERE id = $1")
        .bind(id)
        .bind(pid)
        .execute(db)
        .await?;
    Ok(())
}

/// Records that command `id`'s process ended at `at`.
pub async fn end<'e>(
    db: impl Executor<'e, Database = Any>,
    id: i64,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE layer_commands SET ended_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(db)
        .await?;
    Ok(())
}

/// The commands job `job` ran in `workspace`, oldest first.
pub async fn for_workspace<'e>(
    db: impl Executor<'e, Database = Any>,
    job: i64,
    workspace: &str,
) -> Result<Vec<Command>, StoreError> {
    let rows = sqlx::query(
        "SELECT claim, operation, who, host, pid, started_at, ended_at FROM layer_commands \
         WHERE job_id = $1 AND workspace = $2 ORDER BY id",
    )
    .bind(job)
    .bind(workspace)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Command {
                claim: row.try_get("claim")?,
                operation: row.try_get("operation")?,
                who: row.try_get("who")?,
                host: row.try_get("host")?,
                pid: row.try_get("pid")?,
                started_at: row.try_get("started_at")?,
                ended_at: row.try_get("ended_at")?,
            })
        })
        .collect()
}
