//! People and machine clients, as their identity provider described them.

use sqlx::AnyConnection;

pub use domain::user::UserProfile;

use domain::user::UserKind;

use super::{get, json, to_json, StoreError};

/// Records the profile, returning how the subject was recorded before
/// (`None` for someone new), so that callers can refuse a change of kind
/// (and roll back).
pub async fn upsert(
    conn: &mut AnyConnection,
    profile: &UserProfile,
    now: i64,
) -> Result<Option<UserKind>, StoreError> {
    // Write first: on SQLite this takes the write lock (waiting out a
    // concurrent writer per busy_timeout) before the read, so the upsert
    // never has to upgrade a read snapshot, which fails at once with
    // SQLITE_BUSY when another connection wrote meanwhile.
    sqlx::query("UPDATE users SET last_seen = last_seen WHERE id = $1")
        .bind(&profile.subject)
        .execute(&mut *conn)
        .await?;
    let previous = sqlx::query("SELECT kind FROM users WHERE id = $1")
        .bind(&profile.subject)
        .fetch_optional(&mut *conn)
        .await?;
    let previous = match previous {
        None => None,
        Some(row) => match get::<String>(&row, "kind")?.as_str() {
            "person" => Some(UserKind::Person),
            "machine" => Some(UserKind::Machine),
            other => return Err(StoreError::Corrupt(format!("users.kind {other:?}"))),
        },
    };
    sqlx::query(
        "INSERT INTO users (id, kind, email, name, username, groups, first_seen, last_seen) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, email = excluded.email, \
         name = excluded.name, username = excluded.username, groups = excluded.groups, \
         last_seen = excluded.last_seen",
    )
    .bind(&profile.subject)
    .bind(profile.kind.as_str())
    .bind(profile.email.as_deref())
    .bind(profile.name.as_deref())
    .bind(profile.username.as_deref())
    .bind(to_json(&profile.groups)?)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(previous)
}

/// Every user's subject with the groups its provider last gave, by subject.
pub async fn memberships<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
) -> Result<Vec<(String, Vec<String>)>, StoreError> {
    let rows = sqlx::query("SELECT id, groups FROM users ORDER BY id")
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                get::<String>(row, "id")?,
                json::<Vec<String>>("groups", &get::<String>(row, "groups")?)?,
            ))
        })
        .collect()
}
