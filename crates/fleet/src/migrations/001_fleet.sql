-- nasguard fleet store, version 1. Applied by `nasguard fleet init` as the
-- owner of the database; each statement runs once (fleet_migrations).
--
-- Roles (group roles, NOLOGIN; logins are made members):
--   nasguard_host       one login per NAS (nasguard_h_<name>): inserts its own reports and findings, reads only its own
--   nasguard_worker     scan workers: claim batches, write results; nothing of the hosts
--   nasguard_dashboard  reads everything, writes nothing
-- Row-level security decides which rows each sees; grants decide what it may do.

CREATE TABLE fleet_hosts (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    role_name   name NOT NULL UNIQUE,
    enrolled_at timestamptz NOT NULL DEFAULT now(),
    -- Copied from the newest report by a trigger (hosts cannot write here).
    last_report bigint,
    last_taken  timestamptz,
    last_seen   timestamptz,
    version     text,
    revision    bigint,
    critical    int NOT NULL DEFAULT 0,
    high        int NOT NULL DEFAULT 0,
    medium      int NOT NULL DEFAULT 0,
    low         int NOT NULL DEFAULT 0,
    info        int NOT NULL DEFAULT 0,
    drift       int NOT NULL DEFAULT 0,
    -- Worst first: critical counts most, then high, ... (see fleet::model::score).
    score       bigint NOT NULL DEFAULT 0
);
CREATE INDEX fleet_hosts_worst ON fleet_hosts (score DESC, name);

-- Which host a role is (NULL for any other role). Used by the policies.
CREATE FUNCTION fleet_host_of(r name) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$ SELECT name FROM public.fleet_hosts WHERE role_name = r $$;

CREATE TABLE fleet_reports (
    id          bigserial PRIMARY KEY,
    host        text NOT NULL REFERENCES fleet_hosts (name) ON DELETE CASCADE,
    -- Chosen by the agent when the report is made; a resent report is the same report.
    report_id   uuid NOT NULL,
    taken_at    timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    version     text NOT NULL,
    revision    bigint,
    critical    int NOT NULL,
    high        int NOT NULL,
    medium      int NOT NULL,
    low         int NOT NULL,
    info        int NOT NULL,
    drift       int NOT NULL,
    -- The drift list and what else the agent said, as sent.
    body        jsonb NOT NULL,
    UNIQUE (host, report_id),
    UNIQUE (id, host)
);
CREATE INDEX fleet_reports_host ON fleet_reports (host, taken_at DESC);
CREATE INDEX fleet_reports_taken ON fleet_reports (taken_at);

CREATE TABLE fleet_findings (
    report    bigint NOT NULL,
    host      text NOT NULL,
    rule      text NOT NULL,
    severity  smallint NOT NULL CHECK (severity BETWEEN 0 AND 4),
    service   text NOT NULL,
    object    text NOT NULL,
    message   text NOT NULL,
    evidence  text NOT NULL,
    -- A finding belongs to a report of the same host.
    FOREIGN KEY (report, host) REFERENCES fleet_reports (id, host) ON DELETE CASCADE
);
-- A report's findings, and "has this report a finding of rule R at or above S"
-- (the dashboard's filters) as one index probe.
CREATE INDEX fleet_findings_report ON fleet_findings (report, rule, severity);

-- The newest report of a host becomes its current state (an older report
-- delivered late from an outbox is history, not the current state).
CREATE FUNCTION fleet_report_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$
BEGIN
    UPDATE public.fleet_hosts h SET
        last_seen   = greatest(h.last_seen, NEW.received_at),
        last_report = CASE WHEN h.last_taken IS NULL OR h.last_taken <= NEW.taken_at THEN NEW.id ELSE h.last_report END,
        last_taken  = greatest(h.last_taken, NEW.taken_at),
        version     = CASE WHEN h.last_taken IS NULL OR h.last_taken <= NEW.taken_at THEN NEW.version ELSE h.version END,
        revision    = CASE WHEN h.last_taken IS NULL OR h.last_taken <= NEW.taken_at THEN NEW.revision ELSE h.revision END,
        critical    = CASE WHEN h.last_taken IS NULL OR h.last_taken <= NEW.taken_at THEN NEW.critical ELSE h.critical END,
        high        = CASE WHEN h.last_taken IS NULL OR h.last_taken <= NEW.taken_at THEN NEW.high ELSE h.high END,
        medium      = CASE WHEN h.last_taken IS NULL OR h.last_taken <= NEW.taken_at THEN NEW.medium ELSE h.medium END,
        low         = CASE WHEN h.last_taken IS NULL OR h.last_taken <= NEW.taken_at THEN NEW.low ELSE h.low END,
        info        = CASE WHEN h.last_taken IS NULL OR h.last_taken <= NEW.taken_at THEN NEW.info ELSE h.info END,
        drift       = CASE WHEN h.last_taken IS NULL OR h.last_taken <= NEW.taken_at THEN NEW.drift ELSE h.drift END,
        score       = CASE WHEN h.last_taken IS NULL OR h.last_taken <= NEW.taken_at
                           THEN NEW.critical::bigint * 1000000000000 + NEW.high::bigint * 100000000
                                + NEW.medium::bigint * 10000 + NEW.low::bigint * 100 + NEW.drift::bigint
                           ELSE h.score END
    WHERE h.name = NEW.host;
    RETURN NULL;
END $$;
CREATE TRIGGER fleet_report_inserted AFTER INSERT ON fleet_reports
    FOR EACH ROW EXECUTE FUNCTION fleet_report_inserted();

-- The shared scan queue: a scan's targets, cut into batches that workers
-- claim under a lease; one result per target (the primary key).
CREATE TABLE fleet_scans (
    id          bigserial PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  name NOT NULL DEFAULT current_user,
    targets     jsonb NOT NULL,
    total       bigint NOT NULL,
    timeout_ms  int NOT NULL CHECK (timeout_ms BETWEEN 1 AND 60000)
);

CREATE TABLE fleet_batches (
    id          bigserial PRIMARY KEY,
    scan        bigint NOT NULL REFERENCES fleet_scans (id) ON DELETE CASCADE,
    size        int NOT NULL,
    state       text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'leased', 'done')),
    worker      text,
    -- Bumped at each claim: a worker whose lease was taken over can no longer renew or finish it.
    lease       bigint NOT NULL DEFAULT 0,
    lease_until timestamptz,
    claims      int NOT NULL DEFAULT 0,
    done_at     timestamptz
);
CREATE INDEX fleet_batches_open ON fleet_batches (id) WHERE state <> 'done';
CREATE INDEX fleet_batches_scan ON fleet_batches (scan);

CREATE TABLE fleet_targets (
    scan   bigint NOT NULL REFERENCES fleet_scans (id) ON DELETE CASCADE,
    idx    bigint NOT NULL,
    batch  bigint NOT NULL REFERENCES fleet_batches (id) ON DELETE CASCADE,
    url    text NOT NULL,
    PRIMARY KEY (scan, idx)
);
CREATE INDEX fleet_targets_batch ON fleet_targets (batch);

CREATE TABLE fleet_results (
    scan        bigint NOT NULL,
    idx         bigint NOT NULL,
    worker      text NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now(),
    elapsed_ms  int NOT NULL,
    error       text,
    findings    jsonb NOT NULL,
    -- Exactly one result per target: at most one by this key, at least one
    -- because a batch is done only when each of its targets has its result.
    PRIMARY KEY (scan, idx),
    FOREIGN KEY (scan, idx) REFERENCES fleet_targets (scan, idx) ON DELETE CASCADE
);

-- Roles and what each may do.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nasguard_host') THEN CREATE ROLE nasguard_host NOLOGIN; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nasguard_worker') THEN CREATE ROLE nasguard_worker NOLOGIN; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nasguard_dashboard') THEN CREATE ROLE nasguard_dashboard NOLOGIN; END IF;
END $$;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
REVOKE ALL ON FUNCTION fleet_host_of(name) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION fleet_host_of(name) TO nasguard_host;

GRANT SELECT ON fleet_hosts TO nasguard_host;
GRANT SELECT, INSERT ON fleet_reports, fleet_findings TO nasguard_host;
GRANT USAGE ON SEQUENCE fleet_reports_id_seq TO nasguard_host;

GRANT SELECT ON fleet_scans, fleet_targets TO nasguard_worker;
GRANT SELECT, UPDATE ON fleet_batches TO nasguard_worker;
GRANT SELECT, INSERT ON fleet_results TO nasguard_worker;

GRANT SELECT ON ALL TABLES IN SCHEMA public TO nasguard_dashboard;
REVOKE SELECT ON fleet_migrations FROM nasguard_dashboard;

ALTER TABLE fleet_hosts ENABLE ROW LEVEL SECURITY;
ALTER TABLE fleet_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE fleet_findings ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_host ON fleet_hosts FOR SELECT TO nasguard_host USING (role_name = current_user);
-- A host's login role is its name under a fixed mapping (admin::Kind::role: 'nasguard_h_' and - as _;
-- names hold no _, so the mapping is one to one): the check is an expression, no lookup per row.
CREATE POLICY own_reports ON fleet_reports FOR ALL TO nasguard_host
    USING ('nasguard_h_' || replace(host, '-', '_') = current_user)
    WITH CHECK ('nasguard_h_' || replace(host, '-', '_') = current_user);
CREATE POLICY own_findings ON fleet_findings FOR ALL TO nasguard_host
    USING ('nasguard_h_' || replace(host, '-', '_') = current_user)
    WITH CHECK ('nasguard_h_' || replace(host, '-', '_') = current_user);
CREATE POLICY read_all ON fleet_hosts FOR SELECT TO nasguard_dashboard USING (true);
CREATE POLICY read_all ON fleet_reports FOR SELECT TO nasguard_dashboard USING (true);
CREATE POLICY read_all ON fleet_findings FOR SELECT TO nasguard_dashboard USING (true);
