#![no_main]
//! What the REST API does with a request body: any bytes, parsed as JSON,
//! applied to every model object the API edits, then normalised and
//! validated. Never a panic; a refusal always names a field; an accepted
//! edit leaves a config that validates or says which field is wrong.
use libfuzzer_sys::fuzz_target;
use nasguard_model::Config;
use nasguard_model::fields::apply_json;
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(Value::Object(patch)) = serde_json::from_slice::<Value>(data) else { return };
    let check = |r: Result<(), nasguard_model::ValidationErrors>| {
        if let Err(e) = r {
            assert!(e.0.iter().all(|x| !x.field.is_empty()));
        }
    };
    let mut cfg = Config::default();
    check(apply_json(&mut cfg.smb, "smb", &patch));
    check(apply_json(&mut cfg.ssh, "ssh", &patch));
    check(apply_json(&mut cfg.nfs, "nfs", &patch));
    check(apply_json(&mut cfg.iscsi.global, "iscsi global", &patch));
    let mut smb = nasguard_model::smb::SmbShare::default();
    check(apply_json(&mut smb, "smb share", &patch));
    cfg.smb_shares.push(smb);
    let mut nfs = nasguard_model::nfs::NfsShare::default();
    check(apply_json(&mut nfs, "nfs share", &patch));
    cfg.nfs_shares.push(nfs);
    let mut portal = nasguard_model::iscsi::Portal::default();
    check(apply_json(&mut portal, "iscsi portal", &patch));
    cfg.iscsi.portals.push(portal);
    let mut target = nasguard_model::iscsi::Target::default();
    check(apply_json(&mut target, "iscsi target", &patch));
    cfg.iscsi.targets.push(target);
    let _ = cfg.normalize();
    if let Err(errors) = cfg.validate() {
        assert!(errors.0.iter().all(|e| !e.field.is_empty()));
    }
    let _: Map<String, Value> = cfg.service_settings(nasguard_model::Service::Ssh);
});
