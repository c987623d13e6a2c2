*** Settings ***
Documentation    Command mode and its timing (manual 3.1.1), AT+ENTM and the work mode
...              (manual 2.1). Requirements: docs/behaviour.md R-AT-1, R-AT-2, R-MODE-1.
...              ``+++`` after 300 ms of silence, and 50 ms after data, are in
...              transparent_network.robot.

Resource         ../resources/dtulab.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Test Cases ***
Plus Not Confirmed Within 3 s Is Data That Reaches The Server
    [Documentation]    Without the host's ``a`` within 3 s the DTU returns to data mode: no
    ...    ``+ok``, and the ``+++`` is not lost but reaches the server.
    [Tags]    R-AT-1
    Connect Socket 1 To Server    dc1
    Discard DTU Output
    Send To DTU    +++    after=300 ms
    DTU Should Output    a    timeout=1
    Server Should Not Receive Anything    dc1    duration=2.5 s    since=sent
    Server Should Receive    +++    dc1    timeout=10
    DTU Should Not Output Anything    300 ms
    Send To DTU    next
    Server Should Receive    next    dc1
    Server Sends    back    dc1
    DTU Should Output    back

Plus Followed By Other Bytes Is Data
    [Documentation]    ``+++`` followed by other bytes, or answered with something other
    ...    than ``a``, is ordinary data: the server receives all of it, no ``+ok``.
    [Tags]    R-AT-1
    Connect Socket 1 To Server    dc1
    Discard DTU Output
    Send To DTU    +++x    after=300 ms
    Server Should Receive    +++x    dc1
    DTU Should Not Output Anything    300 ms
    Send To DTU    +++    after=300 ms
    DTU Should Output    a    timeout=1
    Send To DTU    b
    Server Should Receive    +++b    dc1
    DTU Should Not Output Anything    300 ms

AT+ENTM Returns To Transparent Mode And Delivers What The Server Sent Meanwhile
    [Documentation]    Server data that arrives in command mode is held; AT+ENTM answers
    ...    OK, returns to transparent mode and delivers it; data flows both ways again.
    [Tags]    R-AT-2
    Connect Socket 1 To Server    dc1
    Enter Command Mode
    Server Sends    held    dc1
    DTU Should Not Output Anything    500 ms
    AT Command Should Answer    AT    OK
    AT Command Should Answer    AT+ENTM    OK
    DTU Should Output    held
    Send To DTU    upstream
    Server Should Receive    upstream    dc1
    Server Sends    downstream    dc1
    DTU Should Output    downstream

AT+ENTM Returns To SMS Passthrough
    [Documentation]    The escape works from SMS passthrough mode too, and AT+ENTM returns
    ...    to it: serial data goes out as an SMS again.
    [Tags]    R-AT-1    R-AT-2    R-MODE-1    needs-network
    Enter Command Mode
    Set Work Mode    SMS
    Set SMS Number    10086
    Leave Command Mode
    Enter Command Mode
    Query Should Answer    mode?    SMS
    Leave Command Mode
    Send To DTU    to the phone
    SMS Should Be Sent To    10086    to the phone    timeout=20

The Work Mode Is NET By Default And A Saved Mode Survives A Power Cycle
    [Documentation]    A fresh DTU is in NET mode. The mode set and saved survives a power
    ...    cycle; a mode set afterwards and not saved does not.
    [Tags]    R-MODE-1    R-AT-7    needs-power    needs-leds
    Enter Command Mode
    Query Should Answer    mode?    NET
    Set Work Mode    SMS
    Save Settings
    Set Work Mode    HTTPD
    Query Should Answer    mode?    HTTPD
    Cut Power
    Power On DTU
    Wait Until DTU Is Online
    Enter Command Mode
    Query Should Answer    mode?    SMS


*** Keywords ***
Connect Socket 1 To Server
    [Documentation]    Point socket 1 at ``server``, leave command mode, wait for the connection.
    [Arguments]    ${server}
    Enter Command Mode
    Configure Socket    1    ${server}
    Leave Command Mode
    Server Should Be Connected    ${server}
