// zkbench: Porcupine on zkcheck's benchmark sets, with readers and models written for zkcheck's
// bench (same semantics as zkcheck: fail ops dropped, info and never-completed ops open to the end,
// info reads dropped, ops partitioned by key where the history has keys).
//
// Usage: zkbench -model M [-init I] -format etcd|kv|edn|jsonl FILE...
// Prints one JSON line per file: {"file","valid","ops","ms"} (ms: the check alone).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// ---- values: EDN and JSON decode to these ----

type keyword string

// value: nil, int64, string, keyword, []interface{}, map[string]interface{}

type ednParser struct {
	s   []byte
	pos int
}

func (p *ednParser) skip() {
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == ',' {
			p.pos++
		} else if c == ';' {
			for p.pos < len(p.s) && p.s[p.pos] != '\n' {
				p.pos++
			}
		} else {
			return
		}
	}
}

func isDelim(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == ',' || c == ']' || c == '}' || c == ')' || c == '[' || c == '{' || c == '(' || c == '"' || c == ';'
}

func (p *ednParser) token() string {
	start := p.pos
	for p.pos < len(p.s) && !isDelim(p.s[p.pos]) {
		p.pos++
	}
	return string(p.s[start:p.pos])
}

func (p *ednParser) value() interface{} {
	p.skip()
	if p.pos >= len(p.s) {
		panic("unexpected end of EDN")
	}
	c := p.s[p.pos]
	switch {
	case c == '[' || c == '(':
		p.pos++
		return p.seq(map[byte]byte{'[': ']', '(': ')'}[c])
	case c == '#' && p.pos+1 < len(p.s) && p.s[p.pos+1] == '{':
		p.pos += 2
		return p.seq('}')
	case c == '{':
		p.pos++
		m := map[string]interface{}{}
		for {
			p.skip()
			if p.s[p.pos] == '}' {
				p.pos++
				return m
			}
			k := p.value()
			v := p.value()
			m[fmt.Sprint(k)] = v
		}
	case c == '"':
		p.pos++
		var b strings.Builder
		for p.s[p.pos] != '"' {
			if p.s[p.pos] == '\\' {
				p.pos++
				switch p.s[p.pos] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				default:
					b.WriteByte(p.s[p.pos])
				}
			} else {
				b.WriteByte(p.s[p.pos])
			}
			p.pos++
		}
		p.pos++
		return b.String()
	case c == ':':
		p.pos++
		return keyword(p.token())
	}
	t := p.token()
	switch t {
	case "nil":
		return nil
	case "true":
		return true
	case "false":
		return false
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(t, "N"), 10, 64)
	if err != nil {
		panic("EDN token " + t)
	}
	return n
}

func (p *ednParser) seq(end byte) []interface{} {
	out := []interface{}{}
	for {
		p.skip()
		if p.s[p.pos] == end {
			p.pos++
			return out
		}
		out = append(out, p.value())
	}
}

// ---- history ----

type op struct {
	process int
	nemesis bool
	typ     string
	f       string
	key     string
	value   interface{}
}

func str(v interface{}) string {
	switch x := v.(type) {
	case keyword:
		return string(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

func fromMap(m map[string]interface{}) op {
	o := op{typ: str(m["type"]), f: str(m["f"]), value: m["value"]}
	switch p := m["process"].(type) {
	case int64:
		o.process = int(p)
	default:
		o.nemesis = true
	}
	if k, ok := m["key"]; ok {
		o.key = fmt.Sprint(k)
	}
	return o
}

var etcdLine = regexp.MustCompile("INFO\\s+jepsen\\.util\\s+-\\s+(\\d+)\\s+:(\\w+)\\s+:(\\w+)\\s+(.*)$")

func readEtcd(data []byte) []op {
	var ops []op
	for _, line := range bytes.Split(data, []byte("\n")) {
		m := etcdLine.FindSubmatch(line)
		if m == nil {
			continue
		}
		proc, _ := strconv.Atoi(string(m[1]))
		rest := strings.TrimSpace(string(m[4]))
		var v interface{}
		if strings.HasPrefix(rest, ":") {
			v = keyword(rest[1:])
		} else {
			p := &ednParser{s: []byte(rest)}
			v = p.value()
		}
		ops = append(ops, op{process: proc, typ: string(m[2]), f: string(m[3]), value: v})
	}
	return ops
}

func readEdnLines(data []byte) []op {
	var ops []op
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		p := &ednParser{s: line}
		ops = append(ops, fromMap(p.value().(map[string]interface{})))
	}
	return ops
}

func readEdn(data []byte) []op {
	p := &ednParser{s: data}
	var ops []op
	for _, v := range p.value().([]interface{}) {
		ops = append(ops, fromMap(v.(map[string]interface{})))
	}
	return ops
}

func fromJSON(v interface{}) interface{} {
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		if err != nil {
			return x.String()
		}
		return n
	case []interface{}:
		for i := range x {
			x[i] = fromJSON(x[i])
		}
		return x
	case map[string]interface{}:
		for k := range x {
			x[k] = fromJSON(x[k])
		}
		return x
	}
	return v
}

func readJsonl(data []byte) []op {
	var ops []op
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		d := json.NewDecoder(bytes.NewReader(line))
		d.UseNumber()
		var m map[string]interface{}
		if err := d.Decode(&m); err != nil {
			panic(err)
		}
		ops = append(ops, fromMap(fromJSON(m).(map[string]interface{})))
	}
	return ops
}

// ---- pairing (zkcheck's semantics) ----

type call struct {
	f     string
	key   string
	input interface{}
}

type ret struct {
	known  bool
	output interface{}
}

const never = math.MaxInt64 / 2

func pair(ops []op) []porcupine.Operation {
	type slot struct{ i int }
	var out []*porcupine.Operation
	open := map[int]int{}
	for pos, o := range ops {
		if o.nemesis {
			continue
		}
		if o.typ == "invoke" {
			open[o.process] = len(out)
			out = append(out, &porcupine.Operation{ClientId: o.process, Input: call{o.f, o.key, o.value}, Call: int64(pos), Output: ret{}, Return: never})
			continue
		}
		s, ok := open[o.process]
		if !ok {
			continue
		}
		delete(open, o.process)
		switch o.typ {
		case "fail":
			out[s] = nil
		case "ok":
			out[s].Output = ret{true, o.value}
			out[s].Return = int64(pos)
		}
	}
	var res []porcupine.Operation
	for _, o := range out {
		if o == nil {
			continue
		}
		c := o.Input.(call)
		// A read with an unknown outcome constrains nothing.
		if !o.Output.(ret).known && (c.f == "read" || c.f == "get") {
			continue
		}
		res = append(res, *o)
	}
	return res
}

// ---- models: inputs and outputs are interned to small ints before checking ----

type interner map[string]int64

func (t interner) id(v interface{}) int64 {
	k := fmt.Sprintf("%#v", v)
	if v == nil {
		k = "nil"
	}
	if id, ok := t[k]; ok {
		return id
	}
	id := int64(len(t))
	t[k] = id
	return id
}

const unknownRead = -1

// register ops: kind 0 read (a = value read or unknownRead), 1 write a, 2 cas a -> b.
type regIn struct {
	kind int8
	a, b int64
}
type regOut struct{ known bool }

func byKey(history []porcupine.Operation) [][]porcupine.Operation {
	parts := map[string][]porcupine.Operation{}
	var order []string
	for _, o := range history {
		k := o.Metadata.(string)
		if _, ok := parts[k]; !ok {
			order = append(order, k)
		}
		parts[k] = append(parts[k], o)
	}
	var out [][]porcupine.Operation
	for _, k := range order {
		out = append(out, parts[k])
	}
	return out
}

func casRegister(history []porcupine.Operation, init interface{}) (porcupine.Model, []porcupine.Operation) {
	t := interner{}
	initID := t.id(init)
	nullIsAbsent := init == nil
	for i := range history {
		o := &history[i]
		c := o.Input.(call)
		r := o.Output.(ret)
		o.Metadata = c.key
		switch c.f {
		case "read":
			v := r.output
			if v == nil && !nullIsAbsent {
				o.Input = regIn{0, unknownRead, 0}
			} else {
				o.Input = regIn{0, t.id(v), 0}
			}
		case "write":
			o.Input = regIn{1, t.id(c.input), 0}
		case "cas":
			p := c.input.([]interface{})
			o.Input = regIn{2, t.id(p[0]), t.id(p[1])}
		default:
			panic("cas-register: " + c.f)
		}
		o.Output = regOut{r.known}
	}
	return porcupine.Model{
		Partition: byKey,
		Init:      func() interface{} { return initID },
		Step: func(state, input, output interface{}) (bool, interface{}) {
			s := state.(int64)
			in := input.(regIn)
			switch in.kind {
			case 0:
				return in.a == unknownRead || in.a == s, s
			case 1:
				return true, in.a
			}
			if in.a == s {
				return true, in.b
			}
			// An unknown-outcome cas that did not match had no effect.
			return !output.(regOut).known, s
		},
		Hash: func(state interface{}) uint64 { return uint64(state.(int64)) },
	}, history
}

// zk-versioned-register: state (value id, version).
type verState struct{ value, version int64 }
type verIn struct {
	kind    int8  // 0 read, 1 write, 2 cas
	version int64 // cas: expected version
	value   int64 // write/cas: the value written
	// what the reply reports (-1: nothing)
	repValue, repVersion int64
}

func zkVersioned(history []porcupine.Operation, init interface{}) (porcupine.Model, []porcupine.Operation) {
	t := interner{}
	initID := t.id(init)
	for i := range history {
		o := &history[i]
		c := o.Input.(call)
		r := o.Output.(ret)
		o.Metadata = c.key
		in := verIn{repValue: -1, repVersion: -1}
		report := func(out interface{}, bareIsValue bool) {
			if out == nil {
				return
			}
			if m, ok := out.(map[string]interface{}); ok {
				if ver, ok := m["version"]; ok {
					in.repVersion = ver.(int64)
					if v, ok := m["value"]; ok {
						in.repValue = t.id(v)
					}
					return
				}
			}
			if bareIsValue {
				in.repValue = t.id(out)
			}
		}
		switch c.f {
		case "read":
			in.kind = 0
			report(r.output, true)
		case "write":
			in.kind = 1
			in.value = t.id(c.input)
			if r.known {
				report(r.output, false)
			}
		case "cas":
			p := c.input.([]interface{})
			in.kind = 2
			in.version = p[0].(int64)
			in.value = t.id(p[1])
			if r.known {
				report(r.output, false)
			}
		default:
			panic("zk-versioned-register: " + c.f)
		}
		o.Input = in
		o.Output = regOut{r.known}
	}
	agrees := func(in verIn, after verState) bool {
		return (in.repVersion < 0 || in.repVersion == after.version) && (in.repValue < 0 || in.repValue == after.value)
	}
	return porcupine.Model{
		Partition: byKey,
		Init:      func() interface{} { return verState{initID, 0} },
		Step: func(state, input, output interface{}) (bool, interface{}) {
			s := state.(verState)
			in := input.(verIn)
			switch in.kind {
			case 0:
				return agrees(in, s), s
			case 1:
				after := verState{in.value, s.version + 1}
				return agrees(in, after), after
			}
			if s.version != in.version {
				return !output.(regOut).known, s
			}
			after := verState{in.value, in.version + 1}
			return agrees(in, after), after
		},
		Hash: func(state interface{}) uint64 {
			s := state.(verState)
			return uint64(s.version)<<32 ^ uint64(s.value)
		},
	}, history
}

// kv: per key, get/put/append on strings ("" = absent).
type kvIn struct {
	kind  int8 // 0 get, 1 put, 2 append
	value string
}

func kv(history []porcupine.Operation) (porcupine.Model, []porcupine.Operation) {
	for i := range history {
		o := &history[i]
		c := o.Input.(call)
		r := o.Output.(ret)
		o.Metadata = c.key
		switch c.f {
		case "get":
			v, _ := r.output.(string)
			o.Input = kvIn{0, v}
		case "put":
			o.Input = kvIn{1, c.input.(string)}
		case "append":
			o.Input = kvIn{2, c.input.(string)}
		default:
			panic("kv: " + c.f)
		}
	}
	return porcupine.Model{
		Partition: byKey,
		Init:      func() interface{} { return "" },
		Step: func(state, input, output interface{}) (bool, interface{}) {
			s := state.(string)
			in := input.(kvIn)
			switch in.kind {
			case 0:
				return in.value == s, s
			case 1:
				return true, in.value
			}
			return true, s + in.value
		},
		Hash: func(state interface{}) uint64 {
			h := fnv.New64a()
			h.Write([]byte(state.(string)))
			return h.Sum64()
		},
	}, history
}

// mutex: acquire legal when free, release legal when held.
func mutex(history []porcupine.Operation) (porcupine.Model, []porcupine.Operation) {
	for i := range history {
		o := &history[i]
		o.Input = o.Input.(call).f == "acquire"
	}
	return porcupine.Model{
		Init: func() interface{} { return false },
		Step: func(state, input, output interface{}) (bool, interface{}) {
			held := state.(bool)
			if input.(bool) {
				return !held, true
			}
			return held, false
		},
		Hash: func(state interface{}) uint64 {
			if state.(bool) {
				return 1
			}
			return 0
		},
	}, history
}

// multi-register: up to 4 keys, state an array of value ids (comparable, so == is Equal).
type mrState [4]int64
type micro struct {
	write bool
	slot  int
	value int64 // unknownRead for a read that reports nothing
}

func multiRegister(history []porcupine.Operation, init interface{}) (porcupine.Model, []porcupine.Operation) {
	t := interner{}
	slots := map[string]int{}
	slot := func(k interface{}) int {
		s := str(k)
		if i, ok := slots[s]; ok {
			return i
		}
		slots[s] = len(slots)
		return len(slots) - 1
	}
	var initState mrState
	nilID := t.id(nil)
	for i := range initState {
		initState[i] = nilID
	}
	if m, ok := init.(map[string]interface{}); ok {
		for k, v := range m {
			initState[slot(k)] = t.id(v)
		}
	}
	for i := range history {
		o := &history[i]
		c := o.Input.(call)
		r := o.Output.(ret)
		src := c.input
		if r.known {
			src = r.output
		}
		var ms []micro
		for _, x := range src.([]interface{}) {
			m := x.([]interface{})
			mo := micro{write: str(m[0]) == "write", slot: slot(m[1])}
			if !mo.write && (m[2] == nil || !r.known) {
				mo.value = unknownRead
			} else {
				mo.value = t.id(m[2])
			}
			ms = append(ms, mo)
		}
		o.Input = ms
	}
	if len(slots) > 4 {
		panic("multi-register: more than 4 keys")
	}
	return porcupine.Model{
		Init: func() interface{} { return initState },
		Step: func(state, input, output interface{}) (bool, interface{}) {
			s := state.(mrState)
			for _, m := range input.([]micro) {
				if m.write {
					s[m.slot] = m.value
				} else if m.value != unknownRead && s[m.slot] != m.value {
					return false, state
				}
			}
			return true, s
		},
		Hash: func(state interface{}) uint64 {
			s := state.(mrState)
			return uint64(s[0]) ^ uint64(s[1])<<16 ^ uint64(s[2])<<32 ^ uint64(s[3])<<48
		},
	}, history
}

func main() {
	model := flag.String("model", "", "cas-register | zk-versioned-register | kv | mutex | multi-register")
	initText := flag.String("init", "", "initial value, EDN or JSON")
	format := flag.String("format", "", "etcd | kv | edn | jsonl")
	flag.Parse()
	var init interface{}
	if *initText != "" {
		p := &ednParser{s: []byte(strings.ReplaceAll(*initText, ":", " :"))}
		if strings.HasPrefix(*initText, "{") {
			p = &ednParser{s: []byte(*initText)}
		}
		init = p.value()
		if m, ok := init.(map[string]interface{}); ok {
			clean := map[string]interface{}{}
			for k, v := range m {
				clean[strings.TrimPrefix(k, ":")] = v
			}
			init = clean
		}
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for _, file := range flag.Args() {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(254)
		}
		var ops []op
		switch *format {
		case "etcd":
			ops = readEtcd(data)
		case "kv":
			ops = readEdnLines(data)
		case "edn":
			ops = readEdn(data)
		case "jsonl":
			ops = readJsonl(data)
		default:
			fmt.Fprintln(os.Stderr, "unknown format")
			os.Exit(254)
		}
		history := pair(ops)
		var m porcupine.Model
		switch *model {
		case "cas-register":
			m, history = casRegister(history, init)
		case "zk-versioned-register":
			m, history = zkVersioned(history, init)
		case "kv":
			m, history = kv(history)
		case "mutex":
			m, history = mutex(history)
		case "multi-register":
			m, history = multiRegister(history, init)
		default:
			fmt.Fprintln(os.Stderr, "unknown model")
			os.Exit(254)
		}
		started := time.Now()
		result := porcupine.CheckOperationsTimeout(m, history, 0)
		ms := float64(time.Since(started).Microseconds()) / 1000
		valid := "\"unknown\""
		if result == porcupine.Ok {
			valid = "true"
		} else if result == porcupine.Illegal {
			valid = "false"
		}
		fmt.Fprintf(w, "{\"file\":%q,\"valid\":%s,\"ops\":%d,\"ms\":%.3f}\n", file, valid, len(history), ms)
	}
}
