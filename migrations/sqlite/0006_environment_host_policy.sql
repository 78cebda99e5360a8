-- Which host paths and host-level powers people without host:access may use on an environment.
ALTER TABLE environments ADD COLUMN host_policy TEXT NOT NULL DEFAULT '{"allowedBindPaths":[],"openPowers":[]}';
