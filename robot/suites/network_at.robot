*** Settings ***
Documentation    AT commands with a password without leaving transparent mode (manual 3.1):
...              on the serial port and over a socket. Requirements: docs/behaviour.md
...              R-AT-3, R-AT-4.

Resource         ../resources/services.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Test Cases ***
Serial Password Command Is Answered On The Serial Port Only
    [Documentation]    With serial password commands on, ``<password>#AT...`` on the serial
    ...    port runs; the reply comes back on the serial port, nothing goes to the server, the
    ...    mode stays.
    [Tags]    R-AT-3
    Connect Socket 1 To Server    dc1    serial    ${True}
    Discard DTU Output
    ${version}=    Dialect Command    version
    ${line}=    Password Command    ${version}
    Send To DTU    ${line}\r
    ${answer}=    Dialect Reply    version
    DTU Should Output Reply    ${answer}    OK
    ${set}=    Dialect Command    set sms number    10086
    ${line}=    Password Command    ${set}
    Send To DTU    ${line}\r
    DTU Should Output    \r\nOK\r\n
    Send To DTU    marker
    Server Should Receive    marker    dc1
    Setting Should Be    sms number?    10086

Serial Password Command Is Data When Switched Off
    [Documentation]    With serial password commands off, a password command is ordinary
    ...    data for the server.
    [Tags]    R-AT-3
    Connect Socket 1 To Server    dc1    serial    ${False}
    Discard DTU Output
    ${version}=    Dialect Command    version
    ${line}=    Password Command    ${version}
    Send To DTU    ${line}\r
    Server Should Receive    ${line}\r    dc1
    DTU Should Not Output Anything    500 ms

Serial Wrong Password Is Data
    [Documentation]    On the serial port only ``<right password>#AT…`` is a command: a wrong
    ...    password, or pile data that merely contains ``#AT``, reaches the server like any
    ...    other packet; no reply, nothing changes.
    [Tags]    R-AT-3
    Connect Socket 1 To Server    dc1    serial    ${True}    sms_number=10086
    Discard DTU Output
    ${set}=    Dialect Command    set sms number    12345
    ${line}=    Password Command    ${set}    password=wrong
    Send To DTU    ${line}\r
    Server Should Receive    ${line}\r    dc1
    Send To DTU    meter#ATTN-LOW    after=300 ms
    Server Should Receive    meter#ATTN-LOW    dc1
    DTU Should Not Output Anything    500 ms
    Setting Should Be    sms number?    10086

Network Password Command Is Answered Over The Socket
    [Documentation]    With network password commands on, a password command from the server
    ...    runs; the reply goes back over the same socket, nothing reaches the serial port.
    [Tags]    R-AT-4
    Connect Socket 1 To Server    dc1    network    ${True}
    Discard DTU Output
    ${version}=    Dialect Command    version
    ${reply}=    Server Sends Network AT    ${version}
    ${answer}=    Dialect Reply    version
    Reply Should Be    ${reply}    ${answer}    OK
    ${set}=    Dialect Command    set sms number    10010
    ${reply}=    Server Sends Network AT    ${set}
    Reply Should Be    ${reply}    OK
    DTU Should Not Output Anything    300 ms
    Setting Should Be    sms number?    10010

Network Wrong Password Gets ERROR
    [Documentation]    A wrong password from the server is answered ``ERROR`` (the dialect's
    ...    answer to it) and changes nothing.
    [Tags]    R-AT-4
    Connect Socket 1 To Server    dc1    network    ${True}    sms_number=10086
    Discard DTU Output
    ${set}=    Dialect Command    set sms number    12345
    ${refused}=    Dialect Reply    wrong password
    ${reply}=    Server Sends Network AT    ${set}    password=wrong    allow_error=${True}
    Reply Should Be    ${reply}    ${refused}
    DTU Should Not Output Anything    300 ms
    Setting Should Be    sms number?    10086

Network Password Command Is Data When Switched Off
    [Documentation]    With network password commands off, a password command from the
    ...    server is data for the serial port.
    [Tags]    R-AT-4
    Connect Socket 1 To Server    dc1    network    ${False}
    Discard DTU Output
    ${version}=    Dialect Command    version
    ${line}=    Password Command    ${version}
    Server Sends    ${line}    dc1
    DTU Should Output    ${line}
    DTU Should Not Output Anything    500 ms
    Server Should Not Receive Anything    dc1    duration=0


*** Keywords ***
Connect Socket 1 To Server
    [Documentation]    Point socket 1 at ``server``, switch password commands from ``channel``
    ...    (serial or network) ``on`` or off, set the SMS number if given, leave command
    ...    mode, wait for the connection.
    [Arguments]    ${server}    ${channel}    ${on}    ${sms_number}=${EMPTY}
    Enter Command Mode
    Configure Socket    1    ${server}
    Set Remote AT    ${channel}    ${on}
    IF    $sms_number    Set SMS Number    ${sms_number}
    Leave Command Mode
    Server Should Be Connected    ${server}
