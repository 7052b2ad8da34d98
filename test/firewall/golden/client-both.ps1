# ftpgate rules: role client, modes active,passive, control port 21, passive ports 1024-65535, active source port 20, static ports (no helper)
# addresses: server 198.51.100.7
# Each FTP rule names the channel it opens (the four of the seeds' lists):
#   ch1 control: client -> server:21 opens the control connection
#   ch2 control replies: server:21 -> client
#   ch3 data out: active = server -> client (server opens), passive = client -> server passive port
#   ch4 data in: the other direction of the data connection (ACKs, data)
# Never "all ports above 1023": only the configured passive range (or, with the helper, only announced ports).
# Run in an elevated PowerShell. Undo: Remove-NetFirewallRule -Group 'ftpgate'
# Windows Defender Firewall is stateful: only the opening direction of each channel needs a rule.
# Adds rules only: profiles and default actions stay as they are.

# ch1/4 control: client -> server:21 (client opens the control connection)
New-NetFirewallRule -DisplayName 'ftpgate ch1/4 control: client -> server:21 (client opens the control connection)' -Group 'ftpgate' -Direction Outbound -Action Allow -Protocol TCP -LocalPort 1024-65535 -RemotePort 21 -RemoteAddress 198.51.100.7 | Out-Null
# ch2/4 control replies: server:21 -> client: no rule needed, Windows Firewall lets replies of allowed connections through
# ch3/4 data out (active): server:20 -> client:49152-65535 (server opens the data connection)
New-NetFirewallRule -DisplayName 'ftpgate ch3/4 data out (active): server:20 -> client:49152-65535 (server opens the data connection)' -Group 'ftpgate' -Direction Inbound -Action Allow -Protocol TCP -LocalPort 49152-65535 -RemotePort 20 -RemoteAddress 198.51.100.7 | Out-Null
# ch4/4 data in (active): client -> server:20 (client ACKs and uploads): no rule needed, Windows Firewall lets replies of allowed connections through
# ch3/4 data out (passive): client -> server:1024-65535 (client opens the data connection)
New-NetFirewallRule -DisplayName 'ftpgate ch3/4 data out (passive): client -> server:1024-65535 (client opens the data connection)' -Group 'ftpgate' -Direction Outbound -Action Allow -Protocol TCP -LocalPort 1024-65535 -RemotePort 1024-65535 -RemoteAddress 198.51.100.7 | Out-Null
# ch4/4 data in (passive): server:1024-65535 -> client (data and ACKs back): no rule needed, Windows Firewall lets replies of allowed connections through
