use super::*;
use nasguard_model::fields::Edit;
use nasguard_model::smb::SmbShare;
use proptest::prelude::*;

fn fresh() -> (tempfile::TempDir, Nasguard) {
    let dir = tempfile::tempdir().unwrap();
    let d = Deployment::loopback_sandbox(None);
    let ng = Nasguard::init(&dir.path().join("s"), &d, "test").unwrap();
    (dir, ng)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random names, paths and comments are either stored exactly as given
    /// or rejected with the store unchanged: never half-stored.
    #[test]
    fn random_share_input_is_all_or_nothing(name in "\\PC{0,12}|[a-z\\]\\[\\n;=]{1,6}", path in "/?[a-z/.\\n]{0,10}", comment in "\\PC{0,8}|.*\\n.*") {
        let (_d, mut ng) = fresh();
        let before = ng.snapshot().unwrap();
        let share = SmbShare { name: name.clone(), path: path.clone(), comment: comment.clone(), ..Default::default() };
        match ng.smb_share_add(share) {
            Ok(c) => {
                let after = ng.snapshot().unwrap();
                prop_assert_eq!(after.revision, c.revision);
                let s = &after.config.smb_shares[0];
                prop_assert_eq!((&s.name, &s.path, &s.comment), (&name, &path, &comment));
                prop_assert!(!name.contains('\n') && !comment.contains('\n') && !path.contains('\n'));
            }
            Err(OpsError::Invalid(_)) => {
                let after = ng.snapshot().unwrap();
                prop_assert_eq!(after.revision, before.revision);
                prop_assert_eq!(after.config, before.config);
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    /// Auxiliary text either validates (and holds no control characters
    /// and no section header) or is rejected whole.
    #[test]
    fn random_aux_parameters_are_all_or_nothing(text in "([a-z ]{1,12}=[a-z0-9 \\\\\\[\\]]{0,8}\\n?){0,3}|\\PC{0,20}") {
        let (_d, mut ng) = fresh();
        let before = ng.snapshot().unwrap();
        match ng.set_service(nasguard_model::Service::Smb, Edit::Assignments(&[format!("smb_options={text}")])) {
            Ok(_) => {
                let opts = ng.snapshot().unwrap().config.smb.smb_options;
                prop_assert!(!opts.lines().any(|l| l.trim_start().starts_with('[')));
                prop_assert!(!opts.lines().any(|l| l.trim_end().ends_with('\\')));
            }
            Err(OpsError::Invalid(_)) => prop_assert_eq!(ng.snapshot().unwrap().config, before.config),
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
}

#[test]
fn wizard_is_all_or_nothing() {
    let (d, mut ng) = fresh();
    let img = d.path().join("disk.img");
    let mut input = WizardInput {
        name: "disk1".into(),
        extent_file: img.to_string_lossy().into(),
        size: 1 << 20,
        portal: vec!["127.0.0.1:3260".into()],
        chap_user: Some("u".into()),
        chap_secret: Some(nasguard_model::Secret::new("Secret123456")),
        initiators: vec!["iqn.2026-01.test:c".into()],
        ..Default::default()
    };
    let c = ng.iscsi_wizard(&input).unwrap();
    let cfg = ng.snapshot().unwrap().config;
    assert_eq!(cfg.iscsi.targets.len(), 1);
    assert_eq!(cfg.iscsi.targetextents[0].target, c.value.target);
    assert_eq!(std::fs::metadata(&img).unwrap().len(), 1 << 20);
    // A second run with the same name fails validation: nothing added, no file.
    input.extent_file = d.path().join("disk2.img").to_string_lossy().into();
    assert!(matches!(ng.iscsi_wizard(&input), Err(OpsError::Invalid(_))));
    assert_eq!(ng.snapshot().unwrap().config, cfg);
    assert!(!d.path().join("disk2.img").exists());
}

#[test]
fn fix_all_leaves_info_notes() {
    let (_d, mut ng) = fresh();
    ng.set_service(nasguard_model::Service::Ssh, Edit::Assignments(&["rootlogin=true".into(), "tcpfwd=true".into()]))
        .unwrap();
    let fixed = ng.fix(&[], false).unwrap();
    assert_eq!(fixed.value.len(), 2);
    let report = ng.audit().unwrap();
    assert!(report.findings.iter().all(|f| f.severity == nasguard_policy::Severity::Info));
}

#[test]
fn a_share_id_wins_over_a_share_named_like_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = nasguard_store::Deployment::loopback_sandbox(Some(20000));
    let mut ng = crate::Nasguard::init(&dir.path().join("s"), &d, "test").unwrap();
    for name in ["2", "docs"] {
        let share = nasguard_model::smb::SmbShare { name: name.into(), path: "/srv/x".into(), ..Default::default() };
        ng.smb_share_add(share).unwrap();
    }
    let mut cfg = ng.snapshot().unwrap().config;
    assert_eq!(crate::find_smb(&mut cfg, "2").unwrap().name, "docs", "id 2 is the share named docs");
    assert_eq!(crate::find_smb(&mut cfg, "DOCS").unwrap().id, 2);
    assert!(crate::find_smb(&mut cfg, "9").is_err());
}

/// Attack (issue 10, class 5): the config directory is checked, then read.
/// Between the two, whoever owns the directory swaps a directory of the
/// path for a link to somewhere else: `O_NOFOLLOW` only covers the last
/// component, so the open follows the swapped-in link out of the directory.
/// Every read must stay inside, however the path changes while it is read.
#[test]
fn a_directory_swapped_for_a_link_while_it_is_read_leaks_nothing() {
    use nasguard_parse::Files;
    use std::sync::atomic::{AtomicBool, Ordering};
    let d = tempfile::tempdir().unwrap();
    let etc = d.path().join("etc");
    let outside = d.path().join("outside");
    std::fs::create_dir_all(etc.join("ssh/d")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(etc.join("ssh/d/x.conf"), "Port 22\n").unwrap();
    std::fs::write(outside.join("x.conf"), "Banner OUTSIDE-CANARY-5d1e\n").unwrap();
    std::os::unix::fs::symlink(&outside, etc.join("ssh/link")).unwrap();
    let fs = FsFiles::new(&etc).unwrap();
    let (dir, link, parked) = (etc.join("ssh/d"), etc.join("ssh/link"), etc.join("ssh/parked"));
    let stop = AtomicBool::new(false);
    let leaked = std::thread::scope(|scope| {
        // The owner of the directory flips `ssh/d` between the real
        // directory and the link, as fast as it can.
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let _ = std::fs::rename(&dir, &parked);
                let _ = std::fs::rename(&link, &dir);
                let _ = std::fs::rename(&dir, &link);
                let _ = std::fs::rename(&parked, &dir);
            }
        });
        let mut leaked = None;
        let started = std::time::Instant::now();
        for _ in 0..200_000 {
            if let Ok(text) = fs.read(std::path::Path::new("/etc/ssh/d/x.conf"))
                && text.contains("OUTSIDE-CANARY")
            {
                leaked = Some(text);
                break;
            }
            if started.elapsed() > std::time::Duration::from_secs(20) {
                break;
            }
        }
        stop.store(true, Ordering::Relaxed);
        leaked
    });
    assert_eq!(leaked, None, "a file outside the audited directory was read");
}
