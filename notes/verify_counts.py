# emulate ACDC GT on our graph: writers input, a{l}.h{h}, m{l}; readers a{l}.h{h}<q/k/v>, m{l}, logits
L=12;H=12
def head_readers(l,h,qkv="qkv"): return [f"a{l}.h{h}<{x}>" for x in qkv]
# ---------- IOI
IOI={"name mover":[(9,9),(10,0),(9,6)],"backup name mover":[(10,10),(10,6),(10,2),(10,1),(11,2),(9,7),(9,0),(11,9)],
"negative":[(10,7),(11,10)],"s2 inhibition":[(7,3),(7,9),(8,6),(8,10)],"induction":[(5,5),(5,8),(5,9),(6,9)],
"duplicate token":[(0,1),(0,10),(3,0)],"previous token":[(2,2),(4,11)]}
allh=[x for g in IOI.values() for x in g]; assert len(allh)==26
E=set()
# full graph restricted to circuit heads + input + mlps
def wl(w): # writer layer ordering helper
    pass
# start: all edges among input, mlps, circuit heads, logits
for l in range(L): E.add(("input",f"m{l}"))
E.add(("input","logits"))
for i in range(L):
    E.add((f"m{i}","logits"))
    for j in range(i+1,L): E.add((f"m{i}",f"m{j}"))
for (l,h) in allh:
    for j in range(l,L): E.add((f"a{l}.h{h}",f"m{j}"))
    for i in range(l):
        for r in head_readers(l,h): E.add((f"m{i}",r))
# (input->head, head->head, head->logits removed initially)
conns=[("INPUT","previous token","qkv"),("INPUT","duplicate token","qkv"),("INPUT","s2 inhibition","q"),("INPUT","negative","kv"),
("INPUT","name mover","kv"),("INPUT","backup name mover","kv"),("previous token","induction","kv"),("induction","s2 inhibition","kv"),
("duplicate token","s2 inhibition","kv"),("s2 inhibition","negative","q"),("s2 inhibition","name mover","q"),("s2 inhibition","backup name mover","q"),
("negative","OUTPUT",""),("name mover","OUTPUT",""),("backup name mover","OUTPUT","")]
for a,b,q in conns:
    src=[(-1,"input")]+[(m,f"m{m}") for m in range(L)] if a=="INPUT" else [(l,f"a{l}.h{h}") for l,h in IOI[a]]
    dst=[(13,"logits")]+[(m,f"m{m}") for m in range(L)] if b=="OUTPUT" else [(l,r) for l,h in IOI[b] for r in head_readers(l,h,q)]
    for lf,s in src:
        for lt,d in dst:
            if lt>lf: E.add((s,d))
print("IOI",len(E),len(E)+3*len(allh))
# ---------- Greater-than
C={"0305":[(0,3),(0,5)],"01":[(0,1)],"MEARLY":[(0,None),(1,None),(2,None),(3,None)],
"AMID":[(5,5),(6,1),(6,9),(7,10),(8,11),(9,1)],"MLATE":[(8,None),(9,None),(10,None),(11,None)]}
def out(i,j): return f"m{i}" if j is None else f"a{i}.h{j}"
def inp(i,j): return [f"m{i}"] if j is None else head_readers(i,j)
G=set()
for g in ["0305","01","MEARLY"]:
    for i,j in C[g]:
        for r in inp(i,j): G.add(("input",r))
for g in ["AMID","MLATE"]:
    for i,j in C[g]: G.add((out(i,j),"logits"))
for g in C:
    if C[g][0][1] is not None: continue
    for i1,_ in C[g]:
        for i2,_ in C[g]:
            if i1<i2: G.add((f"m{i1}",f"m{i2}"))
for g1,g2 in [("01","MEARLY"),("01","AMID"),("0305","AMID"),("MEARLY","AMID"),("AMID","MLATE")]:
    for i1,j1 in C[g1]:
        for i2,j2 in C[g2]:
            if i1>=i2 and not (i1==i2 and j1 is not None and j2 is None): continue
            for r in inp(i2,j2): G.add((out(i1,j1),r))
M=max(l for l,_ in C["AMID"])
for s in range(M):
    for r in range(s+1,M): G.add((f"m{s}",f"m{r}"))
for l,h in C["AMID"]:
    for s in range(l): G.add((f"m{s}",f"a{l}.h{h}<q>"))
nh=sum(1 for g in C.values() for l,h in g if h is not None)
print("GT",len(G),len(G)+3*nh)
