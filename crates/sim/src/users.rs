//! Several users of one app: one library per simulated user, read and written through guards
//! that stand for one user's library while holding the lock over all of them (a write that
//! brings in an object of another user's catalogue needs both).

use std::ops::{Deref, DerefMut};
use std::sync::{RwLockReadGuard, RwLockWriteGuard};

use super::model::Library;
use super::state::{Shared, lock};

/// One user's library, read.
pub struct LibRead<'a> {
    all: RwLockReadGuard<'a, Vec<Library>>,
    user: usize,
}

impl LibRead<'_> {
    /// Every user's library.
    pub fn all(&self) -> &[Library] {
        &self.all
    }
    /// Whose library this is.
    pub fn user(&self) -> usize {
        self.user
    }
}

impl Deref for LibRead<'_> {
    type Target = Library;
    fn deref(&self) -> &Library {
        &self.all[self.user]
    }
}

/// One user's library, written.
pub struct LibWrite<'a> {
    all: RwLockWriteGuard<'a, Vec<Library>>,
    user: usize,
}

impl LibWrite<'_> {
    /// Whose library this is.
    pub fn user(&self) -> usize {
        self.user
    }
    /// Every user's library.
    pub fn all(&self) -> &[Library] {
        &self.all
    }
    /// This user's library (mutable) and another user's (read), for bringing in objects.
    pub fn with_other(&mut self, other: usize) -> Option<(&mut Library, &Library)> {
        pair(&mut self.all, self.user, other)
    }
}

impl Deref for LibWrite<'_> {
    type Target = Library;
    fn deref(&self) -> &Library {
        &self.all[self.user]
    }
}

impl DerefMut for LibWrite<'_> {
    fn deref_mut(&mut self) -> &mut Library {
        &mut self.all[self.user]
    }
}

/// `libs[mine]` mutable and `libs[other]` shared; `None` when they are the same (or absent).
pub fn pair(libs: &mut [Library], mine: usize, other: usize) -> Option<(&mut Library, &Library)> {
    if mine == other || mine >= libs.len() || other >= libs.len() {
        return None;
    }
    if mine < other {
        let (a, b) = libs.split_at_mut(other);
        Some((&mut a[mine], &b[0]))
    } else {
        let (a, b) = libs.split_at_mut(mine);
        Some((&mut b[0], &a[other]))
    }
}

impl Shared {
    /// How many users the simulator serves.
    pub fn users(&self) -> usize {
        self.libs.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// User `user`'s library (an index checked by the caller: tokens and the control API only
    /// carry users that exist; anything else reads user 0).
    pub fn read_user(&self, user: usize) -> LibRead<'_> {
        let all = self.libs.read().unwrap_or_else(|e| e.into_inner());
        let user = if user < all.len() { user } else { 0 };
        LibRead { all, user }
    }

    pub fn write_user(&self, user: usize) -> LibWrite<'_> {
        let all = self.libs.write().unwrap_or_else(|e| e.into_inner());
        let user = if user < all.len() { user } else { 0 };
        LibWrite { all, user }
    }

    /// User 0's library.
    pub fn read(&self) -> LibRead<'_> {
        self.read_user(0)
    }

    pub fn write(&self) -> LibWrite<'_> {
        self.write_user(0)
    }

    /// The user `GET /authorize` approves as now.
    pub fn login_user(&self) -> usize {
        *lock(&self.login_as)
    }
}
