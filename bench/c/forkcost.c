// The floor under every fork-based start on this machine: fork() + _exit + waitpid of a C process
// with N MB touched, median of 50. Build and run: gcc -O2 -o /tmp/forkcost bench/c/forkcost.c && /tmp/forkcost 50
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e3+t.tv_nsec/1e6;}
int main(int argc,char**argv){ size_t mb=atoi(argv[1]); char*p=malloc(mb<<20); memset(p,1,mb<<20);
 double ts[50]; for(int i=0;i<50;i++){double t0=now(); pid_t c=fork(); if(!c){ _exit(0);} waitpid(c,0,0); ts[i]=now()-t0;}
 for(int i=0;i<50;i++)for(int j=i+1;j<50;j++)if(ts[j]<ts[i]){double x=ts[i];ts[i]=ts[j];ts[j]=x;}
 printf("%zu MB: median %.2f ms\n", mb, ts[25]); }
