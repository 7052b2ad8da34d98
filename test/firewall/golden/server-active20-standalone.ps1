# ftpgate rules: role server, modes active, control port 21, active source port 20, static ports (no helper)
# addresses: server 192.168.10.1, inside GigabitEthernet1/0/2, outside GigabitEthernet1/0/1
# Each FTP rule names the channel it opens (the four of the seeds' lists):
#   ch1 control: client -> server:21 opens the control connection
#   ch2 control replies: server:21 -> client
#   ch3 data out: active = server -> client (server opens), passive = client -> server passive port
#   ch4 data in: the other direction of the data connection (ACKs, data)
# Never "all ports above 1023": only the configured passive range (or, with the helper, only announced ports).
# Run in an elevated PowerShell. Undo: Remove-NetFirewallRule -Group 'ftpgate'
# Windows Defender Firewall is stateful: only the opening direction of each channel needs a rule.

# Standalone: default deny in both directions on every profile (loopback is always allowed by Windows)
Set-NetFirewallProfile -Profile Domain,Private,Public -Enabled True -DefaultInboundAction Block -DefaultOutboundAction Block
# --allow-port 22
New-NetFirewallRule -DisplayName 'ftpgate allow port 22' -Group 'ftpgate' -Direction Inbound -Action Allow -Protocol TCP -LocalPort 22 | Out-Null

# ch1/4 control: client -> server:21 (client opens the control connection)
New-NetFirewallRule -DisplayName 'ftpgate ch1/4 control: client -> server:21 (client opens the control connection)' -Group 'ftpgate' -Direction Inbound -Action Allow -Protocol TCP -LocalPort 21 -RemotePort 1024-65535 -LocalAddress 192.168.10.1 -InterfaceAlias 'GigabitEthernet1/0/2' | Out-Null
# ch2/4 control replies: server:21 -> client: no rule needed, Windows Firewall lets replies of allowed connections through
# ch3/4 data out (active): server:20 -> client:1024-65535 (server opens the data connection)
New-NetFirewallRule -DisplayName 'ftpgate ch3/4 data out (active): server:20 -> client:1024-65535 (server opens the data connection)' -Group 'ftpgate' -Direction Outbound -Action Allow -Protocol TCP -LocalPort 20 -RemotePort 1024-65535 -LocalAddress 192.168.10.1 -InterfaceAlias 'GigabitEthernet1/0/2' | Out-Null
# ch4/4 data in (active): client -> server:20 (client ACKs and uploads): no rule needed, Windows Firewall lets replies of allowed connections through
