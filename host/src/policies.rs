//! The registration policy chain of a tenant, and calls into invite-backend
//! components.
//!
//! Each policy runs in its own fresh store under its own memory cap and
//! deadline. A trap, a timeout, an exhausted limit or a malformed answer
//! fails closed: the submission is denied with a generic reason, the chain
//! stops there, and the failure is logged with tenant and plugin and counted.

use std::sync::Arc;

use welcome_core::decision::DEFAULT_DENIAL;

use crate::bindings::types::{Decision, Submission};
use crate::kv::KvScope;
use crate::registry::Pre;
use crate::runtime::{self, FILES_GUEST_DIR, StoreSpec};
use crate::services::Services;
use crate::tenants::{Plugin, Tenant};

/// Longest reason a policy may give; a longer one is a malformed answer.
pub const MAX_REASON_CHARS: usize = 1000;

/// Runs the tenant's chain, starting from `current`.
pub async fn run_chain(
    tenant: &Arc<Tenant>,
    services: &Arc<Services>,
    submission: &Submission,
    current: Decision,
) -> Decision {
    let mut verdict = current;
    for plugin in &tenant.policies {
        match call_policy(tenant, services, plugin, submission, &verdict).await {
            Ok(next) => verdict = next,
            Err(cause) => {
                services.failures.bump(&tenant.name, &plugin.config.id);
                tracing::error!(
                    host = %tenant.name, plugin = %plugin.config.id, component = %plugin.component.source,
                    %cause, "policy failed; denying (fail closed)"
                );
                return Decision {
                    allowed: false,
                    reason: Some(DEFAULT_DENIAL.into()),
                };
            }
        }
    }
    verdict
}

/// The store spec every plugin call starts from: its options, limits and
/// exactly the grants its configuration names.
pub fn plugin_spec(tenant: &Tenant, services: &Services, plugin: &Plugin) -> StoreSpec {
    let c = &plugin.config;
    StoreSpec {
        options: plugin.options.clone(),
        memory_bytes: c.memory_bytes,
        timeout: c.timeout,
        preopen: c.files.clone().map(|d| (d, FILES_GUEST_DIR)),
        environment: c.environment.clone(),
        outgoing: c.allowed_outbound_hosts.clone(),
        kv: Some(KvScope {
            prefix: format!("{}/{}", tenant.name, c.id),
            backend: services.kv.clone(),
        }),
        page: None,
    }
}

async fn call_policy(
    tenant: &Tenant,
    services: &Services,
    plugin: &Plugin,
    submission: &Submission,
    current: &Decision,
) -> Result<Decision, String> {
    let Pre::Policy(pre) = &plugin.component.pre else {
        return Err("component is not loaded as a policy".into());
    };
    let decision = call_plugin(tenant, services, plugin, |mut store| async move {
        let instance = pre.instantiate_async(&mut store).await?;
        instance
            .welcome_page_policy()
            .call_check(&mut store, submission, current)
            .await
    })
    .await?;
    if let Some(reason) = &decision.reason
        && reason.chars().count() > MAX_REASON_CHARS
    {
        return Err(format!(
            "malformed answer: a reason of {} characters",
            reason.chars().count()
        ));
    }
    Ok(decision)
}

/// Runs `call` on a fresh store for `plugin`, under its deadline (the
/// epoch trap, and a wall-clock backstop for time spent in host calls);
/// logs what it wrote to stderr. The error is a cause fit for the log.
async fn call_plugin<T, Fut>(
    tenant: &Tenant,
    services: &Services,
    plugin: &Plugin,
    call: impl FnOnce(wasmtime::Store<crate::state::HostState>) -> Fut,
) -> Result<T, String>
where
    Fut: Future<Output = wasmtime::Result<T>>,
{
    let new = runtime::new_store(&services.engine, plugin_spec(tenant, services, plugin))
        .map_err(|e| format!("{e:#}"))?;
    let deadline = plugin.config.timeout + runtime::EPOCH_TICK * 5;
    let result = tokio::time::timeout(deadline, call(new.store)).await;
    runtime::drain_stderr(&new.stderr, &tenant.name, &plugin.config.id);
    match result {
        Err(_) => Err(format!(
            "no answer within {} ms",
            plugin.config.timeout.as_millis()
        )),
        Ok(Err(e)) => Err(describe_trap(&e)),
        Ok(Ok(v)) => Ok(v),
    }
}

/// A short description of why a call failed (trap code or error chain).
pub fn describe_trap(e: &wasmtime::Error) -> String {
    if let Some(trap) = e.downcast_ref::<wasmtime::Trap>() {
        return match trap {
            wasmtime::Trap::Interrupt => "deadline exceeded (CPU time)".to_string(),
            other => format!("trap: {other}"),
        };
    }
    format!("{e:#}")
}

/// Creates an invite through an invite-backend component.
pub async fn create_with_backend(
    tenant: &Tenant,
    services: &Services,
    plugin: &Plugin,
    source: &str,
) -> Result<crate::bindings::invites::Invite, String> {
    let Pre::InviteBackend(pre) = &plugin.component.pre else {
        return Err("component is not loaded as an invite backend".into());
    };
    let created = call_plugin(tenant, services, plugin, |mut store| async move {
        let instance = pre.instantiate_async(&mut store).await?;
        instance
            .welcome_page_invites()
            .call_create_account(&mut store, source)
            .await
    })
    .await
    .map_err(|cause| format!("invite backend failed: {cause}"))?;
    let inv = created.map_err(|cause| format!("invite backend: {cause}"))?;
    Ok(crate::bindings::invites::Invite {
        token: inv.token,
        uri: inv.uri,
        landing_page: inv.landing_page,
        created: inv.created,
        expires: inv.expires,
    })
}
