//! The host side of the page's `welcome:page` imports: the policy chain
//! and invite creation (native SQLite, or the tenant's backend component).

use crate::bindings::{invites, policy, types};
use crate::invites::NewInvite;
use crate::policies;
use crate::state::HostState;
use crate::tenants::Invites;

impl types::Host for HostState {}

impl policy::Host for HostState {
    async fn check(&mut self, s: types::Submission, current: types::Decision) -> types::Decision {
        let Some(page) = &self.page else {
            // Only the page may ask; anything else is denied.
            return types::Decision {
                allowed: false,
                reason: Some(welcome_core::decision::DEFAULT_DENIAL.into()),
            };
        };
        let (tenant, services) = (page.tenant.clone(), page.services.clone());
        policies::run_chain(&tenant, &services, &s, current).await
    }
}

impl invites::Host for HostState {
    async fn create_account(&mut self, source: String) -> Result<invites::Invite, String> {
        let Some(page) = &self.page else {
            return Err("only the welcome page may create invites".into());
        };
        let (tenant, services) = (page.tenant.clone(), page.services.clone());
        let result = match &tenant.invites {
            Invites::Component(plugin) => {
                policies::create_with_backend(&tenant, &services, plugin, &source).await
            }
            Invites::Native => {
                let store = services.invites.clone();
                let t = tenant.clone();
                // SQLite blocks (fsync): keep it off the async workers.
                let created = tokio::task::spawn_blocking(move || {
                    store.create(&NewInvite {
                        host: &t.name,
                        expiry: t.invite_expiry,
                        invites_page: t.invites_page.as_deref(),
                        source: &source,
                    })
                })
                .await;
                match created {
                    Ok(Ok(inv)) => Ok(invites::Invite {
                        token: inv.token,
                        uri: inv.uri,
                        landing_page: inv.landing_page,
                        created: inv.created,
                        expires: inv.expires,
                    }),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(e) => Err(format!("invite store task failed: {e}")),
                }
            }
        };
        match &result {
            Ok(inv) => tracing::info!(host = %tenant.name, expires = inv.expires, "invite created"),
            Err(cause) => tracing::error!(host = %tenant.name, %cause, "creating an invite failed"),
        }
        result
    }
}
