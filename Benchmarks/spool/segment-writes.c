#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
static double cpu(void){struct rusage r;getrusage(RUSAGE_SELF,&r);return r.ru_stime.tv_sec+r.ru_stime.tv_usec/1e6+r.ru_utime.tv_sec+r.ru_utime.tv_usec/1e6;}
int main(int argc,char**argv){
  const char*dir=argv[1]; int mode=atoi(argv[2]); size_t seg=64<<20, chunk=1<<20; int segs=8;
  char*buf=malloc(chunk); memset(buf,'x',chunk);
  char path[512]; double t0=cpu();
  for(int s=0;s<segs;s++){
    snprintf(path,sizeof path,"%s/seg%d",dir,mode==2? s%2 : s);
    int fd=open(path,O_WRONLY|O_CREAT|(mode==2?0:O_TRUNC),0644);
    if(mode==1) fallocate(fd,FALLOC_FL_KEEP_SIZE,0,seg);
    for(size_t off=0;off<seg;off+=chunk) pwrite(fd,buf,chunk,off);
    close(fd);
    if(mode!=2 && s>=1){ snprintf(path,sizeof path,"%s/seg%d",dir,s-1); unlink(path);}
  }
  printf("mode %d: %.3f CPU-s for %d MiB\n",mode,cpu()-t0,(int)(segs*seg>>20));
  return 0;}
