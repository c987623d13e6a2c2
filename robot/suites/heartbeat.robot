*** Settings ***
Documentation    The heartbeat packet (manual 2.3): to the server, to the serial port,
...              and reconnecting after failed heartbeats. Requirements: R-HB-1..3.

Resource         ../resources/dtulab.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Variables ***
${HB}    \x00HB\xff


*** Test Cases ***
A Heartbeat Goes To The Server While The Link Is Idle
    [Documentation]    Every heartbeat time without traffic the server receives the heartbeat
    ...    bytes; nothing goes to the serial port.
    [Tags]    R-HB-1
    Enter Command Mode
    Set Heartbeat    1 s    ${HB}
    Connect Socket 1 To Server    dc1
    Discard DTU Output
    FOR    ${_}    IN RANGE    3
        Server Should Receive    ${HB}    dc1    timeout=10
    END
    DTU Should Not Output Anything    200 ms

No Heartbeat While Data Flows
    [Documentation]    While data flows no heartbeat is sent; it comes once the link has been
    ...    idle for the heartbeat time.
    [Tags]    R-HB-1
    Enter Command Mode
    Set Heartbeat    2 s    ${HB}
    Connect Socket 1 To Server    dc1
    FOR    ${i}    IN RANGE    8
        Send To DTU    d${i}    after=400 ms
        Server Should Receive    d${i}    dc1
    END
    Server Should Not Receive Anything    dc1    duration=1.5 s    since=sent
    Server Should Receive    ${HB}    dc1    timeout=10

A Heartbeat Can Go To The Serial Port Instead
    [Documentation]    With the serial direction the heartbeat is written to the serial port
    ...    every heartbeat time and never sent to the server.
    [Tags]    R-HB-2
    Enter Command Mode
    Set Heartbeat    1 s    ${HB}    to=serial
    Connect Socket 1 To Server    dc1
    Discard DTU Output
    DTU Should Output    ${HB}    timeout=10
    DTU Should Output    ${HB}    timeout=10
    Server Should Not Receive Anything    dc1    duration=0

Failed Heartbeats Close The Link And The DTU Reconnects
    [Documentation]    When the heartbeats fail to send (the link is a black hole) the DTU
    ...    closes the link after the fourth failure, long before TCP would give up (15 s),
    ...    and connects again; heartbeats flow on the new link.
    [Tags]    R-HB-3    needs-network
    Enter Command Mode
    Set Heartbeat    1 s    ${HB}
    Connect Socket 1 To Server    dc1
    Server Connection Should Receive    ${HB}    connection=0    timeout=10
    ${fault}=    Inject Network Fault    blackhole    link=0
    Server Connection Should Close    dc1    timeout=12
    Clear Network Fault    ${fault}
    Server Should Be Connected    dc1    count=2    timeout=20
    Server Connection Should Receive    ${HB}    connection=1    timeout=10


*** Keywords ***
Connect Socket 1 To Server
    [Documentation]    In command mode: point socket 1 at ``server``, leave command mode, wait
    ...    for the connection.
    [Arguments]    ${server}
    Configure Socket    1    ${server}
    Leave Command Mode
    Server Should Be Connected    ${server}
