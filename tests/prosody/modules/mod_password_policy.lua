-- Fixture stand-in for prosody-modules' mod_password_policy, which Debian's
-- prosody-modules package does not ship but mod_invites_register_web loads
-- with module:depends("password_policy") and calls as a library:
--
--   get_policy()                       -> the policy table; the register form
--                                         reads `length` (its minlength)
--   check_password(password, info)     -> true, or nil, message, reason;
--                                         `info.username` is the prepped node
--
-- Only what that module uses; the upstream module also hooks in-band
-- registration (XEP-0077), which the test does not exercise.
--
-- Options: password_policy = { length = 8, exclude_username = true }

local options = module:get_option("password_policy") or {};
local policy = {
	length = tonumber(options.length) or 8;
	exclude_username = options.exclude_username ~= false;
};

function get_policy() -- luacheck: ignore 131
	return policy;
end

function check_password(password, info) -- luacheck: ignore 131
	if type(password) ~= "string" or password == "" then
		return nil, "No password provided", "no-password";
	end
	-- Length in characters, not bytes.
	local chars = utf8 and utf8.len(password) or #password;
	if not chars or chars < policy.length then
		return nil, ("Password is too short (minimum %d characters)"):format(policy.length), "length";
	end
	local username = info and info.username;
	if policy.exclude_username and username and username ~= ""
		and password:lower():find(username:lower(), 1, true) then
		return nil, "Password must not contain the username", "username";
	end
	return true;
end
