*** Settings ***
Documentation    HTTPD client mode (manual 2.1.4): serial packets become requests to a real
...              HTTP server; the response body comes back to the host.
...              Requirements: docs/behaviour.md R-HTTP-1.

Resource         ../resources/services.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Test Cases ***
A GET Packet Is The Query String And The Body Comes Back
    [Documentation]    With GET the packet, escaped, is the URL's query string; the response
    ...    body, without headers, goes to the serial port.
    [Tags]    R-HTTP-1
    ${url}=    Start HTTP Server    /page.txt    Hello from the lab server!\n
    Configure HTTPD Mode    GET    ${url}/page.txt
    Discard DTU Output
    Send To DTU    id=7&t=21.5 C\r\n
    DTU Should Output    \\AHello from the lab server!\n    timeout=20    regex=${True}
    HTTP Server Should Receive    GET    /page.txt?id=7&t=21.5%20C
    DTU Should Not Output Anything    300 ms

A POST Packet Is The Body And The Reply Comes Back
    [Documentation]    With POST the packet, byte for byte, is the body, sent with the headers
    ...    of the HTTP client settings; the response body goes to the serial port.
    [Tags]    R-HTTP-1
    ${url}=    Start HTTP Server
    Configure HTTPD Mode    POST    ${url}/up    X-Dtu: 721    Content-Type: text/plain
    Discard DTU Output
    Send To DTU    t=21.5;\x00\x01\xff\r\n end
    DTU Should Output    \\Agot 16 bytes    timeout=20    regex=${True}
    HTTP Server Should Receive    POST    /up    X-Dtu: 721    Content-Type: text/plain
    ...    body=t=21.5;\x00\x01\xff\r\n end

An HTTP Error Is One Line And The Mode Goes On
    [Documentation]    A status other than 2xx is one ``+HTTPERR: <status>`` line, not the
    ...    server's error page; the next request works.
    [Tags]    R-HTTP-1
    ${url}=    Start HTTP Server    /page.txt    fine\n
    Configure HTTPD Mode    GET    ${url}/missing
    Discard DTU Output
    Send To DTU    a=1
    DTU Should Output    \\A\r\n\\+HTTPERR: 404\r\n    timeout=20    regex=${True}
    HTTP Server Should Receive    GET    /missing?a=1
    Enter Command Mode
    Set HTTP Client    GET    ${url}/page.txt
    Leave Command Mode
    Discard DTU Output
    Send To DTU    a=2
    DTU Should Output    \\Afine\n    timeout=20    regex=${True}
    HTTP Server Should Receive    GET    /page.txt?a=2


*** Keywords ***
Configure HTTPD Mode
    [Documentation]    Enter command mode, set HTTPD client mode with requests by ``method`` to
    ...    ``url`` with ``headers``, leave.
    [Arguments]    ${method}    ${url}    @{headers}
    Enter Command Mode
    Set Work Mode    HTTPD
    Set HTTP Client    ${method}    ${url}    @{headers}
    Leave Command Mode
