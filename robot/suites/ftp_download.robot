*** Settings ***
Documentation    FTP download mode (manual 2.1.2): the host fetches a file from a real FTP
...              server through the DTU in 256-byte packets, with dtulab's frames
...              (docs/ftp-protocol.md). Requirements: docs/behaviour.md R-FTP-1, R-FTP-2.

Resource         ../resources/services.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Test Cases ***
START Then The Whole File In 256-Byte Packets
    [Documentation]    START fetches the file of AT+CIFTP and answers its size and CRC-32;
    ...    GETs hand it over in 256-byte packets, the last one shorter; END ends the session.
    [Tags]    R-FTP-1    dialect:usr721
    ${ftp}=    Start FTP Server With File    /fw/image.bin    size=8000
    Set FTP Mode For    ${ftp}
    Send FTP Frame    START
    FTP Frame Should Answer    INFO
    FOR    ${offset}    IN RANGE    0    ${ftp.size}    256
        Send FTP Frame    GET    offset=${offset}
        FTP Frame Should Answer    DATA    offset=${offset}
    END
    Send FTP Frame    END
    FTP Frame Should Answer    ACK    command=END
    Send FTP Frame    GET    offset=0
    FTP Frame Should Answer    NAK    command=GET    code=no session

GET At Any Offset And Length
    [Documentation]    The host asks for any offset and length, in any order.
    [Tags]    R-FTP-2    dialect:usr721
    ${ftp}=    Start FTP Server With File    /fw/image.bin    size=8000
    Set FTP Mode For    ${ftp}
    Send FTP Frame    START
    FTP Frame Should Answer    INFO
    FOR    ${offset}    ${length}    IN
    ...    7990    256
    ...    1234    100
    ...    0    1
    ...    7744    256
    ...    5000    16
    ...    1234    100
        Send FTP Frame    GET    offset=${offset}    length=${length}
        FTP Frame Should Answer    DATA    offset=${offset}    length=${length}
    END

A Bad Frame Gets NAK And Changes Nothing
    [Documentation]    A bad CRC, a bad length, an unknown command, an offset past the end or a
    ...    GET without a session is answered NAK; the session goes on.
    [Tags]    R-FTP-1    R-FTP-2    dialect:usr721
    ${ftp}=    Start FTP Server With File    /fw/image.bin    size=8000
    Set FTP Mode For    ${ftp}
    Send FTP Frame    GET    offset=0
    FTP Frame Should Answer    NAK    command=GET    code=no session
    Send FTP Frame    START
    FTP Frame Should Answer    INFO
    Send FTP Frame    GET    offset=512    bad_crc=${True}
    FTP Frame Should Answer    NAK    command=GET    code=bad CRC
    Send FTP Frame    GET    offset=0    length=257
    FTP Frame Should Answer    NAK    command=GET    code=bad length
    Send FTP Frame    0x42    payload=x
    FTP Frame Should Answer    NAK    command=0x42    code=unknown command
    Send FTP Frame    GET    offset=${ftp.size}
    FTP Frame Should Answer    NAK    command=GET    code=past end
    Send FTP Frame    GET    offset=512
    FTP Frame Should Answer    DATA    offset=512

The Host Resumes After A Power Cut
    [Documentation]    After a power cut the host sends START again, finds the same size and
    ...    CRC-32 and goes on with GETs where it stopped.
    [Tags]    R-FTP-2    needs-power    dialect:usr721
    ${ftp}=    Start FTP Server With File    /fw/image.bin    size=8000
    Set FTP Mode For    ${ftp}    save=${True}
    Send FTP Frame    START
    FTP Frame Should Answer    INFO
    Send FTP Frame    GET    offset=0
    FTP Frame Should Answer    DATA    offset=0
    Cut Power
    Power On DTU
    Wait Until DTU Is Online
    Discard DTU Output
    Send FTP Frame    START
    FTP Frame Should Answer    INFO
    FOR    ${offset}    IN RANGE    256    2048    256
        Send FTP Frame    GET    offset=${offset}
        FTP Frame Should Answer    DATA    offset=${offset}
    END

Frames In Transparent Mode Fetch A File By URL
    [Documentation]    In NET mode a packet that begins with a frame is protocol (START with
    ...    the file's URL); other packets still go to the server, frames never do.
    ...    A GET at an offset of its own asks for the packet there (R-FTP-2).
    [Tags]    R-FTP-1    R-FTP-2
    ${ftp}=    Start FTP Server With File    /fw/image.bin    size=8000
    Enter Command Mode
    Set Serial Packing    time=100 ms
    Configure Socket    1    dc1
    Leave Command Mode
    Server Should Be Connected    dc1
    Send FTP Frame    START    url=${ftp.url}
    FTP Frame Should Answer    INFO
    Send FTP Frame    GET    offset=4096
    FTP Frame Should Answer    DATA    offset=4096
    Send To DTU    ordinary data
    Server Should Receive    ordinary data    dc1
    Send FTP Frame    END
    FTP Frame Should Answer    ACK    command=END
    Server Should Not Receive Anything    dc1


*** Keywords ***
Set FTP Mode For
    [Documentation]    FTP download mode, 10 ms packing time (quick request/reply turns) and
    ...    the served file as the AT+CIFTP settings; saved with ``save``. usr721's own
    ...    (AT+CIFTP; the FTP work mode), so the tests that use it are tagged dialect:usr721.
    [Arguments]    ${ftp}    ${save}=${False}
    Enter Command Mode
    Set Work Mode    FTP
    Set Serial Packing    time=10 ms
    Send AT Command
    ...    AT+CIFTP="${ftp.host}",${ftp.port},"${ftp.user}","${ftp.password}","${ftp.path}"
    IF    ${save}    Save Settings
    Leave Command Mode
