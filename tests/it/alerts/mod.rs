//! Schedules and alerts (issue 12): the schedule worker, alert delivery to real local receivers,
//! and the pages.

mod api;
mod delivery;
mod html;
mod pages;
mod receivers;
mod schedules;
