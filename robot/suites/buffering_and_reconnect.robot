*** Settings ***
Documentation    Buffering while a socket is down, reconnecting, short connections and
...              serial packing in transparent network mode (manual 2.1.1).
...              Requirements: docs/behaviour.md R-NET-2, R-NET-3, R-NET-4, R-NET-5.

Resource         ../resources/dtulab.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Test Cases ***
The Buffer Keeps The Newest 15 KB
    [Documentation]    20 KB sent while the network is down: once it is back the server gets
    ...    the newest 15 KB, in order, and nothing else.
    [Tags]    R-NET-2
    Connect Socket 1 To Server    dc1
    Drop Network
    Server Connection Should Close    dc1
    FOR    ${kb}    IN RANGE    20
        Send To DTU    ${{ f"[{${kb}:02d}]" * 256 }}    after=50 ms
    END
    Wait Until DTU Has Read Everything Sent
    Sleep    300 ms    reason=Serial silence longer than the packing time ends the last packet.
    Restore Network
    Server Should Be Connected    dc1    count=2    timeout=30
    FOR    ${kb}    IN RANGE    5    20
        Server Should Receive    ${{ f"[{${kb}:02d}]" * 256 }}    dc1    timeout=30
    END
    Server Should Not Receive Anything    dc1    duration=500 ms

A Connection The Server Closes Is Re-Established
    [Documentation]    The server drops the link: the DTU connects again and data flows.
    [Tags]    R-NET-3
    Connect Socket 1 To Server    dc1
    Server Disconnects    dc1
    Server Should Be Connected    dc1    count=2    timeout=30
    Send To DTU    after the drop
    Server Connection Should Receive    after the drop    connection=1    server=dc1

A Connection The Network Resets Is Re-Established
    [Documentation]    The network resets the link: the DTU connects again and data flows.
    [Tags]    R-NET-3
    Connect Socket 1 To Server    dc1
    Inject Network Fault    socket-reset    link=0
    Server Should Be Connected    dc1    count=2    timeout=30
    Send To DTU    after the reset
    Server Connection Should Receive    after the reset    connection=1    server=dc1

The DTU Restarts After Repeated Failed Connects And Keeps Its Cache
    [Documentation]    Nothing listens at the server's address: after repeated failed
    ...    connects the DTU restarts itself (its boot message shows it). The restart is
    ...    "for exception handling" (manual 2.1.1) and the cache "guarantees the integrity
    ...    of the data": a record written before the restart reaches the server once it is
    ...    back.
    [Tags]    R-NET-2    R-NET-3
    Stop Server    dc2
    Enter Command Mode
    Set Boot Message    DTU BOOTED
    Configure Socket    1    dc2
    Save Settings
    Leave Command Mode
    Send To DTU    BILL-RECORD-0001-END
    DTU Should Output    \r\nDTU BOOTED\r\n    timeout=60
    Start Server    dc2
    Server Should Receive    BILL-RECORD-0001-END    dc2    timeout=60

A Short Connection Closes When Idle And Reopens For Data
    [Documentation]    A short connection closes after its idle time; new serial data
    ...    opens it again and goes out on the new connection.
    [Tags]    R-NET-4
    Enter Command Mode
    Configure Socket    1    dc1
    Set Short Connection    1    idle=2 s
    Leave Command Mode
    Send To DTU    first
    Server Should Receive    first    dc1
    Server Connection Should Close    dc1
    Send To DTU    second
    Server Should Be Connected    dc1    count=2
    Server Connection Should Receive    second    connection=1    server=dc1

A Long Connection Stays Open
    [Documentation]    A short connection made long again stays open past the idle time.
    [Tags]    R-NET-4
    Enter Command Mode
    Configure Socket    1    dc1
    Set Short Connection    1    idle=2 s
    Set Long Connection    1
    Leave Command Mode
    Send To DTU    x
    Server Should Receive    x    dc1
    Sleep    2.5 s    reason=Longer than the 2 s idle time: nothing happens.
    Server Connection Should Be Open    dc1

The Packing Time Joins Bytes Until The Line Is Idle
    [Documentation]    Bytes with gaps shorter than the packing time form one packet; after a
    ...    longer silence the next bytes form another.
    [Tags]    R-NET-5
    Enter Command Mode
    Configure Socket    1    udp
    Set Serial Packing    time=400 ms
    Leave Command Mode
    Send To DTU    ab    after=300 ms
    Send To DTU    cd    after=50 ms
    Send To DTU    ef    after=50 ms
    Server Should Receive Datagrams    abcdef
    Send To DTU    gh    after=600 ms
    Server Should Receive Datagrams    abcdef    gh

The Packing Length Splits Packets
    [Documentation]    A packet is sent when it reaches the packing length (100 bytes: a
    ...    length both dialects take).
    [Tags]    R-NET-5
    VAR    ${first}    ${{ "0123456789" * 10 }}
    VAR    ${second}    ${{ "abcdefghij" * 10 }}
    Enter Command Mode
    Configure Socket    1    udp
    Set Serial Packing    time=200 ms    length=100
    Leave Command Mode
    Send To DTU    ${first}${second}KLMNO    after=300 ms
    Server Should Receive Datagrams    ${first}    ${second}    KLMNO


*** Keywords ***
Connect Socket 1 To Server
    [Documentation]    Point socket 1 at ``server``, leave command mode, wait for the connection.
    [Arguments]    ${server}
    Enter Command Mode
    Configure Socket    1    ${server}
    Leave Command Mode
    Server Should Be Connected    ${server}
