/* STM32F103 registers the board files use, from the STM32F101xx-F107xx reference manual
 * (RM0008 rev 21; section numbers in each block) and the Cortex-M3 core (ARMv7-M ARM B3).
 * Written from the manual: no vendor header is packaged in Debian or on PyPI. */
#ifndef STM32F1_H
#define STM32F1_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(addr))

/* RCC (7.3) */
#define RCC_BASE 0x40021000u
#define RCC_CR REG32(RCC_BASE + 0x00u)
#define RCC_CFGR REG32(RCC_BASE + 0x04u)
#define RCC_APB2ENR REG32(RCC_BASE + 0x18u)
#define RCC_APB1ENR REG32(RCC_BASE + 0x1Cu)
#define RCC_CSR REG32(RCC_BASE + 0x24u)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_CSR_LSION (1u << 0)
#define RCC_CSR_LSIRDY (1u << 1)
#define RCC_APB2ENR_AFIOEN (1u << 0)
#define RCC_APB2ENR_IOPEN(port) (1u << (2 + (port))) /* port A = 0 .. G = 6 */
#define RCC_APB2ENR_USART1EN (1u << 14)
#define RCC_APB1ENR_USARTEN(n) (1u << (15 + (n))) /* USART2..UART5: bits 17..20 */
#define RCC_APB1ENR_I2C1EN (1u << 21)
#define RCC_APB1ENR_I2C2EN (1u << 22)
#define RCC_APB1ENR_BKPEN (1u << 27)
#define RCC_APB1ENR_PWREN (1u << 28)

/* Flash interface (3.3.3) */
#define FLASH_ACR REG32(0x40022000u)
#define FLASH_ACR_PRFTBE (1u << 4)

/* GPIO (9.2): port n at 0x40010800 + 0x400 n */
#define GPIO_BASE(port) (0x40010800u + 0x400u * (port))
#define GPIO_CRL(port) REG32(GPIO_BASE(port) + 0x00u)
#define GPIO_CRH(port) REG32(GPIO_BASE(port) + 0x04u)
#define GPIO_BSRR(port) REG32(GPIO_BASE(port) + 0x10u)

/* USART (27.6): USART1 on APB2, USART2..UART5 on APB1 */
#define USART_SR(base) REG32((base) + 0x00u)
#define USART_DR(base) REG32((base) + 0x04u)
#define USART_BRR(base) REG32((base) + 0x08u)
#define USART_CR1(base) REG32((base) + 0x0Cu)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_TXEIE (1u << 7)
#define USART_CR1_UE (1u << 13)

/* I2C (26.6) */
#define I2C_BASE(n) ((n) == 1 ? 0x40005400u : 0x40005800u)
#define I2C_CR1(base) REG32((base) + 0x00u)
#define I2C_CR2(base) REG32((base) + 0x04u)
#define I2C_DR(base) REG32((base) + 0x10u)
#define I2C_SR1(base) REG32((base) + 0x14u)
#define I2C_SR2(base) REG32((base) + 0x18u)
#define I2C_CCR(base) REG32((base) + 0x1Cu)
#define I2C_TRISE(base) REG32((base) + 0x20u)
#define I2C_CR1_PE (1u << 0)
#define I2C_CR1_START (1u << 8)
#define I2C_CR1_STOP (1u << 9)
#define I2C_CR1_ACK (1u << 10)
#define I2C_CR1_POS (1u << 11)
#define I2C_CR1_SWRST (1u << 15)
#define I2C_SR1_SB (1u << 0)
#define I2C_SR1_ADDR (1u << 1)
#define I2C_SR1_BTF (1u << 2)
#define I2C_SR1_RXNE (1u << 6)
#define I2C_SR1_TXE (1u << 7)
#define I2C_SR1_AF (1u << 10)

/* Independent watchdog (19.4) */
#define IWDG_KR REG32(0x40003000u)
#define IWDG_PR REG32(0x40003004u)
#define IWDG_RLR REG32(0x40003008u)

/* Backup data registers (5.4): DR1, DR2 */
#define BKP_DR1 REG32(0x40006C04u)
#define BKP_DR2 REG32(0x40006C08u)

/* Cortex-M3 core */
#define SCB_VTOR REG32(0xE000ED08u)
#define SCB_AIRCR REG32(0xE000ED0Cu)
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define NVIC_ISER(n) REG32(0xE000E100u + 4u * (n))

#endif
