*** Settings ***
Documentation    The registration packet (manual 2.2) and the cloud registration (2.4).
...              Requirements: docs/behaviour.md R-REG-1, R-CLOUD-1.

Resource         ../resources/dtulab.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Variables ***
${CLOUD}    00012345678901234567,12345678


*** Test Cases ***
The Registration Packet Is Sent Once Per Connection
    [Documentation]    Sent once when the connection is established, not before the data;
    ...    sent again on the new connection after the server dropped the old one.
    [Tags]    R-REG-1
    Enter Command Mode
    Set Registration Packet    LOGIN:1001
    Connect Socket 1 To Server    dc1
    Server Connection Should Receive    LOGIN:1001    connection=0
    Send To DTU    data1
    Server Connection Should Receive    LOGIN:1001data1    connection=0
    Send To DTU    data2
    Server Connection Should Receive    LOGIN:1001data1data2    connection=0
    Server Disconnects    dc1
    Server Should Be Connected    dc1    count=2    timeout=30
    Server Connection Should Receive    LOGIN:1001    connection=1
    Send To DTU    data3
    Server Connection Should Receive    LOGIN:1001data3    connection=1

The Registration Packet Goes Before Every Packet
    [Documentation]    With ``when=data`` nothing is sent on connecting; every data packet
    ...    carries the registration packet in front.
    [Tags]    R-REG-1
    Enter Command Mode
    Set Registration Packet    REG    when=data
    Connect Socket 1 To Server    dc1
    Server Should Not Receive Anything    dc1    duration=500 ms
    Send To DTU    first
    Server Should Receive    REGfirst    dc1
    Send To DTU    second
    Server Should Receive    REGsecond    dc1

The Registration Packet Can Be The IMEI Or The ICCID
    [Documentation]    The device ID as registration packet: the modem's IMEI or the SIM's
    ...    ICCID, once per connection.
    [Tags]    R-REG-1    needs-network
    [Template]    Registration Packet Should Be The Identity
    IMEI
    ICCID

The DTU Registers With The Cloud
    [Documentation]    The cloud registration packet is the device ID and password.
    [Tags]    R-REG-1    R-CLOUD-1
    Enter Command Mode
    Set Registration Packet    ${CLOUD}    kind=CLOUD
    Connect Socket 1 To Server    dc1
    Server Should Receive    ${CLOUD}    dc1
    Send To DTU    payload
    Server Should Receive    payload    dc1

An Empty Registration Packet Turns Registration Off
    [Documentation]    An empty user registration packet: only the data reaches the server.
    [Tags]    R-REG-1
    Enter Command Mode
    Set Registration Packet    LOGIN:1001
    Set Registration Packet    ${EMPTY}
    Connect Socket 1 To Server    dc1
    Send To DTU    just data
    Server Should Receive    just data    dc1


*** Keywords ***
Connect Socket 1 To Server
    [Documentation]    In command mode: point socket 1 at ``server``, leave command mode, wait
    ...    for the connection.
    [Arguments]    ${server}
    Configure Socket    1    ${server}
    Leave Command Mode
    Server Should Be Connected    ${server}

Registration Packet Should Be The Identity
    [Documentation]    On a fresh bench, register with the modem's ``identity`` (IMEI or
    ...    ICCID): the server receives it first, then the data.
    [Arguments]    ${identity}
    Start Bench
    ${id}=    Get Modem Identity    ${identity}
    Enter Command Mode
    Set Registration Packet    kind=${identity}
    Connect Socket 1 To Server    dc1
    Server Connection Should Receive    ${id}    connection=0
    Send To DTU    payload
    Server Connection Should Receive    ${id}payload    connection=0
