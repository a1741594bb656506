-- Used by seed002-lua-hello-world.cfg: the Lua service of the seed's
-- "HAProxy/Lua simple Hello world example" (its closing "end)" was lost).
core.register_service("hello_world", "tcp", function(applet)
   applet:send("hello world\n")
end)
