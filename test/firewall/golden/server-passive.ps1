# ftpgate rules: role server, modes passive, control port 21, passive ports 50000-50100, static ports (no helper)
# addresses: server 192.168.10.1
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
New-NetFirewallRule -DisplayName 'ftpgate ch1/4 control: client -> server:21 (client opens the control connection)' -Group 'ftpgate' -Direction Inbound -Action Allow -Protocol TCP -LocalPort 21 -RemotePort 1024-65535 -LocalAddress 192.168.10.1 | Out-Null
# ch2/4 control replies: server:21 -> client: no rule needed, Windows Firewall lets replies of allowed connections through
# ch3/4 data out (passive): client -> server:50000-50100 (client opens the data connection)
New-NetFirewallRule -DisplayName 'ftpgate ch3/4 data out (passive): client -> server:50000-50100 (client opens the data connection)' -Group 'ftpgate' -Direction Inbound -Action Allow -Protocol TCP -LocalPort 50000-50100 -RemotePort 1024-65535 -LocalAddress 192.168.10.1 | Out-Null
# ch4/4 data in (passive): server:50000-50100 -> client (data and ACKs back): no rule needed, Windows Firewall lets replies of allowed connections through
