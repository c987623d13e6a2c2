*** Settings ***
Documentation    Transparent network mode (manual 2.1.1) and the ``+++`` timing rule (3.1.1).
...              Requirements: docs/behaviour.md R-NET-1, R-NET-2, R-AT-1.

Resource         ../resources/dtulab.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Test Cases ***
Serial Data Goes To Every Connected Socket And Server Data Comes Back
    [Documentation]    Four sockets, each with its own server; serial data goes to each of
    ...    them, data from any of them reaches the serial port.
    [Tags]    R-NET-1
    Enter Command Mode
    Configure Socket    1    dc1
    Configure Socket    2    dc2
    Configure Socket    3    udp
    Configure Socket    4    dc1
    Leave Command Mode
    Server Should Be Connected    dc1    count=2
    Server Should Be Connected    dc2
    Send To DTU    to everyone
    Server Should Receive    to everyone    dc2
    Server Should Receive    to everyone    udp
    Server Should Receive    to everyoneto everyone    dc1
    FOR    ${server}    IN    dc1    dc2    udp
        Server Sends    from ${server};    ${server}
        DTU Should Output    from ${server};
    END

Data Sent While The Network Is Down Arrives In Order Once It Is Back
    [Documentation]    Serial data that arrives while the socket is down is buffered and
    ...    sent, in order, once the socket connects again.
    [Tags]    R-NET-2
    Connect Socket 1 To Server    dc1
    Drop Network
    Server Connection Should Close    dc1
    FOR    ${i}    IN RANGE    10
        Send To DTU    <packet ${i}>    after=150 ms
    END
    Restore Network
    Server Should Be Connected    dc1    count=2    timeout=30
    FOR    ${i}    IN RANGE    10
        Server Should Receive    <packet ${i}>    dc1    timeout=30
    END

Plus After 300 ms Of Silence Enters Command Mode
    [Documentation]    ``+++`` after more than 200 ms of silence: the DTU answers ``a``, the
    ...    host ``a``, the DTU ``+ok``; the escape never reaches the server.
    [Tags]    R-AT-1
    Connect Socket 1 To Server    dc1
    Discard DTU Output
    Send To DTU    before
    Server Should Receive    before    dc1
    Send To DTU    +++    after=300 ms
    DTU Should Output    a    timeout=1
    Send To DTU    a
    DTU Should Output    +ok    timeout=1
    Create Terminal Tester    rs232
    Write Line To Uart    AT
    Wait For Line On Uart    OK
    Write Line To Uart    AT+ENTM
    Wait For Line On Uart    OK
    Send To DTU    after    after=300 ms
    Server Should Receive    after    dc1

Plus 50 ms After Data Is Data That Reaches The Server
    [Documentation]    ``+++`` less than 200 ms after the previous byte is ordinary data:
    ...    the DTU does not answer ``a`` and the server receives it.
    [Tags]    R-AT-1
    Connect Socket 1 To Server    dc1
    Discard DTU Output
    Send To DTU    data
    Send To DTU    +++    after=50 ms
    Server Should Receive    data+++    dc1
    DTU Should Not Output Anything    500 ms


*** Keywords ***
Connect Socket 1 To Server
    [Documentation]    Point socket 1 at ``server``, leave command mode, wait for the connection.
    [Arguments]    ${server}
    Enter Command Mode
    Configure Socket    1    ${server}
    Leave Command Mode
    Server Should Be Connected    ${server}
