//! `welcome oauth verify`: checks a client id (and secret) the way an
//! authorization server would, by calling the tenant's OAuth registration
//! component's `oauth-clients.verify` export. Nothing is looked up: the
//! component recomputes everything from the registration key.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use wasmtime::component::Component;
use wasmtime::error::Context as _;

use crate::bindings::oauth::OauthRegisterPre;
use crate::bindings::oauth::exports::welcome::page::oauth_clients::{
    ApplicationType, RegisteredClient, TokenEndpointAuthMethod, VerifyError,
};
use crate::config::{ComponentSource, Config};
use crate::registry::read_source;
use crate::runtime::{self, StoreSpec};

/// Verifies `client_id` (and `secret`) for `host`. The outer error is an
/// operational failure; the inner one the verdict (`invalid-secret`, ...).
pub async fn verify(
    config: &Config,
    host: &str,
    client_id: &str,
    secret: Option<&str>,
) -> wasmtime::Result<Result<Value, String>> {
    let tenant = config
        .hosts
        .get(&host.to_ascii_lowercase())
        .with_context(|| format!("no host {host} in {}", config.file.display()))?;
    let route = tenant
        .routes
        .iter()
        .find(|r| r.plugin.source == ComponentSource::Builtin("oauth-register".into()))
        .with_context(|| format!("host {host} mounts no oauth-register component"))?;
    let engine = runtime::engine(&config.server)?;
    let bytes = read_source(&route.plugin.source)?;
    let component = Component::new(&engine, &bytes)?;
    let linker = runtime::http_linker(&engine)?;
    let pre = OauthRegisterPre::new(linker.instantiate_pre(&component)?)?;
    let mut new = runtime::new_store(
        &engine,
        StoreSpec {
            options: Arc::new(route.plugin.options.clone()),
            memory_bytes: route.plugin.memory_bytes,
            timeout: route.plugin.timeout.max(Duration::from_secs(1)),
            preopen: None,
            environment: Vec::new(),
            outgoing: Vec::new(),
            kv: None,
            page: None,
        },
    )?;
    let instance = pre.instantiate_async(&mut new.store).await?;
    let result = instance
        .welcome_page_oauth_clients()
        .call_verify(&mut new.store, client_id, secret)
        .await?;
    runtime::drain_stderr(&new.stderr, host, &route.plugin.id);
    Ok(result.map(client_json).map_err(|e| {
        match e {
            VerifyError::NotConfigured => "not-configured",
            VerifyError::InvalidClientId => "invalid-client-id",
            VerifyError::Expired => "expired",
            VerifyError::InvalidSecret => "invalid-secret",
        }
        .to_string()
    }))
}

fn client_json(c: RegisteredClient) -> Value {
    json!({
        "client_id": c.client_id,
        "client_name": c.client_name,
        "client_uri": c.client_uri,
        "redirect_uris": c.redirect_uris,
        "application_type": match c.application_type {
            ApplicationType::Web => "web",
            ApplicationType::Native => "native",
        },
        "token_endpoint_auth_method": match c.token_endpoint_auth_method {
            TokenEndpointAuthMethod::None => "none",
            TokenEndpointAuthMethod::ClientSecretPost => "client_secret_post",
            TokenEndpointAuthMethod::ClientSecretBasic => "client_secret_basic",
        },
        "grant_types": c.grant_types,
        "response_types": c.response_types,
        "scope": c.scope,
        "logo_uri": c.logo_uri,
        "tos_uri": c.tos_uri,
        "policy_uri": c.policy_uri,
        "contacts": c.contacts,
        "software_id": c.software_id,
        "software_version": c.software_version,
        "client_id_issued_at": c.issued_at,
        "expires_at": c.expires_at,
    })
}
