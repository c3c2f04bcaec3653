/* The umbrella header, alone, under -std=c11 -Wall -Wextra -Werror
 * -pedantic; and each per-algorithm header usable on its own. */
#include <usync/usync.h>
#include <usync/tas.h>
#include <usync/mcs.h>

#include <stdio.h>

static usync_tas_t tas = USYNC_TAS_INITIALIZER;
static usync_ttas_t ttas = USYNC_TTAS_INITIALIZER;
static usync_backoff_t backoff = USYNC_BACKOFF_INITIALIZER;
static usync_ticket_t ticket = USYNC_TICKET_INITIALIZER;
static usync_mcs_t mcs = USYNC_MCS_INITIALIZER;
static usync_mcs_tp_t mcs_tp = USYNC_MCS_TP_INITIALIZER;
static usync_cond_t cond = USYNC_COND_INITIALIZER;
static usync_rw_counter_t rw_counter = USYNC_RW_COUNTER_INITIALIZER;
static usync_rw_ticket_t rw_ticket = USYNC_RW_TICKET_INITIALIZER;
static usync_rw_phasefair_t rw_phasefair = USYNC_RW_PHASEFAIR_INITIALIZER;
static usync_rw_mcs_t rw_mcs = USYNC_RW_MCS_INITIALIZER;

int main(void)
{
	usync_mcs_node_t node;
	usync_mcs_tp_node_t tp_node;
	usync_tas_lock(&tas);
	usync_tas_unlock(&tas);
	usync_ttas_lock(&ttas);
	usync_ttas_unlock(&ttas);
	usync_backoff_lock(&backoff);
	usync_backoff_unlock(&backoff);
	usync_ticket_lock(&ticket);
	usync_ticket_unlock(&ticket);
	usync_mcs_lock(&mcs, &node);
	usync_mcs_unlock(&mcs, &node);
	usync_mcs_tp_lock(&mcs_tp, &tp_node);
	usync_mcs_tp_unlock(&mcs_tp, &tp_node);
	usync_cond_signal(&cond);
	usync_cond_broadcast(&cond);
	usync_rw_mcs_node_t rw_node;
	usync_rw_counter_read_lock(&rw_counter);
	usync_rw_counter_read_unlock(&rw_counter);
	usync_rw_ticket_write_lock(&rw_ticket);
	usync_rw_ticket_write_unlock(&rw_ticket);
	usync_rw_phasefair_read_lock(&rw_phasefair);
	usync_rw_phasefair_read_unlock(&rw_phasefair);
	usync_rw_mcs_write_lock(&rw_mcs, &rw_node);
	usync_rw_mcs_write_unlock(&rw_mcs, &rw_node);
	printf("usync %s: headers compile as C11\n", USYNC_VERSION);
	return 0;
}
