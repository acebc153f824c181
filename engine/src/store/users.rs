//! People and machine clients, as their identity provider described them.

use sqlx::AnyConnection;

pub use domain::user::UserProfile;

use super::{get, json, to_json, StoreError};

/// Records the profile, returning the groups the user had before (empty for
/// someone new), so callers can sync memberships.
pub async fn upsert(
    conn: &mut AnyConnection,
    profile: &UserProfile,
    now: i64,
) -> Result<Vec<String>, StoreError> {
    // Write first: on SQLite this takes the write lock (waiting out a
    // concurrent writer per busy_timeout) before the read, so the upsert
    // never has to upgrade a read snapshot, which fails at once with
    // SQLITE_BUSY when another connection wrote meanwhile.
    sqlx::query("UPDATE users SET last_seen = last_seen WHERE id = $1")
        .bind(&profile.subject)
        .execute(&mut *conn)
        .await?;
    let previous = sqlx::query("SELECT groups FROM users WHERE id = $1")
        .bind(&profile.subject)
        .fetch_optional(&mut *conn)
        .await?;
    let previous = match previous {
        Some(row) => json::<Vec<String>>("groups", &get::<String>(&row, "groups")?)?,
        None => Vec::new(),
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
