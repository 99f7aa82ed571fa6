//! Who gets which waiting conversation: a pure choice over the agents online, what they hold, and the
//! line, which the database runs inside its hand-out transaction.

use std::collections::BTreeMap;

/// An online agent who may be given conversations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// Username.
    pub username: String,
    /// Teams whose queues the agent works; none means every team.
    pub teams: Vec<String>,
    /// Most open conversations at once.
    pub capacity: u32,
}

impl Slot {
    fn works(&self, team: Option<&str>) -> bool {
        match team {
            None => true,
            Some(team) => self.teams.is_empty() || self.teams.iter().any(|t| t == team),
        }
    }
}

/// A conversation waiting for an agent, as the plan sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// Conversation id.
    pub id: String,
    /// Its team, if routed.
    pub team: Option<String>,
}

/// What an agent already holds: open conversations, and when the latest was given to them (any
/// sortable text; an agent given none yet sorts first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Load {
    /// Open conversations assigned.
    pub open: u32,
    /// When the latest one started.
    pub latest: Option<String>,
}

/// Which waiting conversation goes to whom, as `(conversation id, username)`. `waiting` is oldest first;
/// `load` is by username (an agent missing from it holds nothing).
pub fn plan(slots: &[Slot], load: &BTreeMap<String, Load>, waiting: &[Waiting]) -> Vec<(String, String)> {
    // The order among agents who could take one: fewest open, then who was given one longest ago (given
    // none ever first; given one in this very plan last, in the order given), then the username.
    let mut rank: BTreeMap<&str, (u32, u64, Option<String>)> = slots
        .iter()
        .map(|slot| {
            let held = load.get(&slot.username).cloned().unwrap_or_default();
            (slot.username.as_str(), (held.open, 0, held.latest))
        })
        .collect();
    let mut handed = Vec::new();
    for (turn, conversation) in (1u64..).zip(waiting) {
        let chosen = slots
            .iter()
            .filter(|slot| slot.works(conversation.team.as_deref()))
            .filter(|slot| rank[slot.username.as_str()].0 < slot.capacity)
            .min_by(|a, b| {
                let key = |slot: &Slot| (rank[slot.username.as_str()].clone(), slot.username.clone());
                key(a).cmp(&key(b))
            });
        let Some(slot) = chosen else { continue };
        if let Some(entry) = rank.get_mut(slot.username.as_str()) {
            entry.0 += 1;
            entry.1 = turn;
        }
        handed.push((conversation.id.clone(), slot.username.clone()));
    }
    handed
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn slot(username: &str, teams: &[&str], capacity: u32) -> Slot {
        Slot { username: username.into(), teams: teams.iter().map(|t| t.to_string()).collect(), capacity }
    }

    fn waiting(id: &str, team: Option<&str>) -> Waiting {
        Waiting { id: id.into(), team: team.map(str::to_owned) }
    }

    fn held(open: u32, latest: Option<&str>) -> Load {
        Load { open, latest: latest.map(str::to_owned) }
    }

    fn to(handed: &[(String, String)]) -> Vec<(&str, &str)> {
        handed.iter().map(|(c, a)| (c.as_str(), a.as_str())).collect()
    }

    #[test]
    fn the_agent_with_the_fewest_open_conversations_gets_the_next_one_up_to_their_capacity() {
        let slots = [slot("lan", &["returns"], 3), slot("minh", &["returns"], 1)];
        // Minh holds fewer, but is at capacity: skipped.
        let load =
            BTreeMap::from([("lan".into(), held(2, Some("t1"))), ("minh".into(), held(1, Some("t2")))]);
        let handed = plan(&slots, &load, &[waiting("c1", Some("returns")), waiting("c2", Some("returns"))]);
        assert_eq!(to(&handed), [("c1", "lan")], "c2 waits: lan is full after c1");

        // Equal loads: whoever was given one longest ago; then turns alternate.
        let slots = [slot("lan", &[], 5), slot("minh", &[], 5)];
        let load =
            BTreeMap::from([("lan".into(), held(1, Some("t2"))), ("minh".into(), held(1, Some("t1")))]);
        let queue = [waiting("c1", None), waiting("c2", None), waiting("c3", None)];
        assert_eq!(to(&plan(&slots, &load, &queue)), [("c1", "minh"), ("c2", "lan"), ("c3", "minh")]);
    }

    #[test]
    fn conversations_go_only_to_agents_of_their_team_and_wait_otherwise() {
        let slots = [slot("lan", &["returns"], 5), slot("an", &["shipping"], 5), slot("vy", &[], 5)];
        let queue =
            [waiting("r", Some("returns")), waiting("s", Some("shipping")), waiting("x", Some("billing"))];
        let handed = plan(&slots, &BTreeMap::new(), &queue);
        // An agent with no teams works every queue.
        assert_eq!(to(&handed), [("r", "lan"), ("s", "an"), ("x", "vy")]);
        let only_returns = [slot("lan", &["returns"], 5)];
        assert_eq!(to(&plan(&only_returns, &BTreeMap::new(), &queue)), [("r", "lan")]);
        assert!(plan(&[slot("lan", &[], 0)], &BTreeMap::new(), &queue).is_empty(), "capacity 0 takes none");
    }
}
