*** Settings ***
Documentation    AT commands with a password without leaving transparent mode (manual 3.1):
...              on the serial port and over a socket. Requirements: docs/behaviour.md
...              R-AT-3, R-AT-4.

Resource         ../resources/services.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Test Cases ***
Serial Password Command Is Answered On The Serial Port Only
    [Documentation]    With AT+CICOMAT=1, ``<password>#AT...`` on the serial port runs; the
    ...    reply comes back on the serial port, nothing goes to the server, the mode stays.
    [Tags]    R-AT-3
    Connect Socket 1 To Server    dc1    AT+CICOMAT=1
    Discard DTU Output
    Send To DTU    usr.cn#AT+CIVER?\r
    DTU Should Output    \r\n\\+CIVER: [^\r]+\r\n\r\nOK\r\n    regex=${True}
    Send To DTU    usr.cn#AT+CIPNUM=10086\r
    DTU Should Output    \r\nOK\r\n
    Send To DTU    marker
    Server Should Receive    marker    dc1
    Setting Should Be    AT+CIPNUM?    +CIPNUM: 10086

Serial Password Command Is Data When Switched Off
    [Documentation]    With AT+CICOMAT=0 a password command is ordinary data for the server.
    [Tags]    R-AT-3
    Connect Socket 1 To Server    dc1    AT+CICOMAT=0
    Discard DTU Output
    Send To DTU    usr.cn#AT+CIVER?\r
    Server Should Receive    usr.cn#AT+CIVER?\r    dc1
    DTU Should Not Output Anything    500 ms

Serial Wrong Password Is Data
    [Documentation]    On the serial port only ``<right password>#AT…`` is a command: a wrong
    ...    password, or pile data that merely contains ``#AT``, reaches the server like any
    ...    other packet; no reply, nothing changes.
    [Tags]    R-AT-3
    Connect Socket 1 To Server    dc1    AT+CICOMAT=1    AT+CIPNUM=10086
    Discard DTU Output
    Send To DTU    wrong#AT+CIPNUM=12345\r
    Server Should Receive    wrong#AT+CIPNUM=12345\r    dc1
    Send To DTU    meter#ATTN-LOW    after=300 ms
    Server Should Receive    meter#ATTN-LOW    dc1
    DTU Should Not Output Anything    500 ms
    Setting Should Be    AT+CIPNUM?    +CIPNUM: 10086

Network Password Command Is Answered Over The Socket
    [Documentation]    With AT+CINETAT=1 a password command from the server runs; the reply
    ...    goes back over the same socket, nothing reaches the serial port.
    [Tags]    R-AT-4
    Connect Socket 1 To Server    dc1    AT+CINETAT=1
    Discard DTU Output
    ${reply}=    Server Sends Network AT    AT+CIVER?
    Should Match Regexp    ${reply}[0]    ^\\+CIVER: \\S
    Length Should Be    ${reply}    2
    ${reply}=    Server Sends Network AT    AT+CIPNUM=10010
    Should Be Equal    ${reply}    ${{["OK"]}}
    DTU Should Not Output Anything    300 ms
    Setting Should Be    AT+CIPNUM?    +CIPNUM: 10010

Network Wrong Password Gets ERROR
    [Documentation]    A wrong password from the server is answered ``ERROR`` and changes nothing.
    [Tags]    R-AT-4
    Connect Socket 1 To Server    dc1    AT+CINETAT=1    AT+CIPNUM=10086
    Discard DTU Output
    ${reply}=    Server Sends Network AT    AT+CIPNUM=12345    password=wrong    allow_error=${True}
    Should Be Equal    ${reply}    ${{["ERROR"]}}
    DTU Should Not Output Anything    300 ms
    Setting Should Be    AT+CIPNUM?    +CIPNUM: 10086

Network Password Command Is Data When Switched Off
    [Documentation]    With AT+CINETAT=0 a password command from the server is data for the
    ...    serial port.
    [Tags]    R-AT-4
    Connect Socket 1 To Server    dc1    AT+CINETAT=0
    Discard DTU Output
    Server Sends    usr.cn#AT+CIVER?    dc1
    DTU Should Output    usr.cn#AT+CIVER?
    DTU Should Not Output Anything    500 ms
    Server Should Not Receive Anything    dc1    duration=0


*** Keywords ***
Connect Socket 1 To Server
    [Documentation]    Point socket 1 at ``server``, send the further ``commands``, leave command
    ...    mode, wait for the connection.
    [Arguments]    ${server}    @{commands}
    Enter Command Mode
    Configure Socket    1    ${server}
    FOR    ${command}    IN    @{commands}
        Send AT Command    ${command}
    END
    Leave Command Mode
    Server Should Be Connected    ${server}
