-- Custom SQL migration file, put your code below! --
-- The member behind a signed-in session, as one function: the sign-in check of every request reads
-- it, and a request that starts from a remembered actor checks it in the same round trip as its
-- first query (albedo_assert_session). The fingerprint is a digest of everything the actor is
-- built from, so any change (role, permissions, an expired permission set, department, MFA,
-- profile, a revoked or expired session) shows as a different fingerprint or no row at all.
-- Permissions from permission sets are sorted so that the same state always digests the same.
CREATE OR REPLACE FUNCTION albedo_session_actor(p_session uuid, p_user uuid, p_workspace uuid, p_now timestamptz)
RETURNS TABLE (
  role text, department text, require_mfa boolean, workspace_name text, permissions text[],
  name text, email text, email_verified boolean, mfa_enabled boolean, fingerprint text
)
LANGUAGE sql STABLE AS $$
  SELECT a.*, md5(row(a.*)::text)
    FROM (
      SELECT r.key, m.department, w.require_mfa, w.name,
             r.permissions || coalesce((
               SELECT array_agg(p ORDER BY p)
                 FROM member_permission_sets mps
                 JOIN permission_sets ps ON ps.id = mps.permission_set_id
                 CROSS JOIN unnest(ps.permissions) p
                WHERE mps.member_id = m.id AND (mps.expires_at IS NULL OR mps.expires_at > p_now)), '{}'),
             u.name, u.email, u.email_verified_at IS NOT NULL,
             EXISTS (SELECT 1 FROM user_mfa um WHERE um.user_id = m.user_id AND um.enabled_at IS NOT NULL)
        FROM sessions s
        JOIN members m ON m.workspace_id = s.workspace_id AND m.user_id = s.user_id AND m.status = 'active'
        JOIN roles r ON r.id = m.role_id
        JOIN workspaces w ON w.id = m.workspace_id
        JOIN users u ON u.id = m.user_id
       WHERE s.id = p_session AND s.user_id = p_user AND s.workspace_id = p_workspace
         AND s.revoked_at IS NULL AND s.expires_at > p_now
    ) a
$$;
--> statement-breakpoint
-- Raises AL001 unless the session still stands for exactly the actor with this fingerprint.
CREATE OR REPLACE FUNCTION albedo_assert_session(p_session uuid, p_user uuid, p_workspace uuid, p_now timestamptz, p_fingerprint text)
RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM albedo_session_actor(p_session, p_user, p_workspace, p_now) a WHERE a.fingerprint = p_fingerprint
  ) THEN
    RAISE EXCEPTION 'the session or its member changed since the actor was remembered' USING ERRCODE = 'AL001';
  END IF;
END
$$;
