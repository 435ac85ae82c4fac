/*
 * pool.c -- the process's persistent thread pool for pipeline threads.
 *
 * rt_task_run used to create threads 1..n-1 of every pipeline run and join them at
 * its end; they now come from one pool per process, reused across pipelines, tasks and
 * queries.  Threads are created on demand (when more jobs are queued than threads are
 * idle, up to POOL_MAX_THREADS), detached, and then wait for work until the process
 * exits.  A job a pool thread has not started yet when its submitter joins is taken
 * back and run on the submitting thread, so a pipeline never waits for a pool thread
 * that is busy elsewhere (with no thread at all, everything runs on the submitter, as
 * a thread that could not be created did before).  The queue and every job state
 * change are under one mutex.
 */
#include "rt_int.h"

#include <pthread.h>

#define POOL_MAX_THREADS 256 /* more concurrent jobs than this wait or run on submitters */

enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_TAKEN_BACK };

static struct {
    pthread_mutex_t mu;  /* guards everything below and every job's state */
    pthread_cond_t work; /* signalled when jobs are queued */
    pthread_cond_t done; /* broadcast when a job finishes */
    rt_pool_job *head;   /* queued jobs, oldest first */
    rt_pool_job *tail;   /* the newest queued job */
    uint32_t n_queued;   /* jobs in the queue */
    uint32_t n_threads;  /* pool threads created */
    uint32_t n_idle;     /* pool threads waiting for work */
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER,
          .work = PTHREAD_COND_INITIALIZER,
          .done = PTHREAD_COND_INITIALIZER};

/* A pool thread: runs queued jobs forever. */
static void *pool_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (pool.head == NULL) {
            pool.n_idle++;
            pthread_cond_wait(&pool.work, &pool.mu);
            pool.n_idle--;
        }
        rt_pool_job *job = pool.head;
        pool.head = job->next;
        if (pool.head == NULL)
            pool.tail = NULL;
        pool.n_queued--;
        job->state = JOB_RUNNING;
        pthread_mutex_unlock(&pool.mu);
        job->fn(job->arg);
        pthread_mutex_lock(&pool.mu);
        job->state = JOB_DONE;
        pthread_cond_broadcast(&pool.done);
    }
    return NULL;
}

/* Creates pool threads while more jobs are queued than threads idle.  Holds mu. */
static void pool_grow_locked(void) {
    uint32_t idle = pool.n_idle;
    while (idle < pool.n_queued && pool.n_threads < POOL_MAX_THREADS) {
        pthread_t t;
        pthread_attr_t attr;
        if (pthread_attr_init(&attr) != 0)
            return;
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&t, &attr, pool_main, NULL);
        pthread_attr_destroy(&attr);
        if (rc != 0)
            return; /* the submitter runs what no thread takes */
        pool.n_threads++;
        idle++; /* it takes a job as soon as it runs */
    }
}

void rt_pool_submit(rt_pool_job *jobs, uint32_t n) {
    if (n == 0)
        return;
    pthread_mutex_lock(&pool.mu);
    for (uint32_t i = 0; i < n; i++) {
        jobs[i].state = JOB_QUEUED;
        jobs[i].next = NULL;
        if (pool.tail != NULL)
            pool.tail->next = &jobs[i];
        else
            pool.head = &jobs[i];
        pool.tail = &jobs[i];
        pool.n_queued++;
    }
    pool_grow_locked();
    if (n == 1)
        pthread_cond_signal(&pool.work);
    else
        pthread_cond_broadcast(&pool.work);
    pthread_mutex_unlock(&pool.mu);
}

/* Removes job from the queue if it is still queued; true if it was.  Holds mu. */
static bool take_back_locked(rt_pool_job *job) {
    if (job->state != JOB_QUEUED)
        return false;
    rt_pool_job *prev = NULL;
    for (rt_pool_job *j = pool.head; j != NULL; prev = j, j = j->next)
        if (j == job) {
            if (prev != NULL)
                prev->next = j->next;
            else
                pool.head = j->next;
            if (pool.tail == j)
                pool.tail = prev;
            pool.n_queued--;
            job->state = JOB_TAKEN_BACK;
            return true;
        }
    return false;
}

void rt_pool_join(rt_pool_job *jobs, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        pthread_mutex_lock(&pool.mu);
        bool mine = take_back_locked(&jobs[i]);
        pthread_mutex_unlock(&pool.mu);
        if (mine)
            jobs[i].fn(jobs[i].arg);
    }
    pthread_mutex_lock(&pool.mu);
    for (uint32_t i = 0; i < n; i++)
        while (jobs[i].state == JOB_RUNNING)
            pthread_cond_wait(&pool.done, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
}

void rt_pool_run(rt_pool_job *jobs, uint32_t n) {
    if (n == 0)
        return;
    rt_pool_submit(jobs + 1, n - 1);
    jobs[0].fn(jobs[0].arg);
    rt_pool_join(jobs + 1, n - 1);
}
