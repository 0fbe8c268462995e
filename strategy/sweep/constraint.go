package sweep

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"github.com/riskon/riskon/strategy/config"
)

// Constraint is a compiled boolean expression over run config keys, such as
//
//	trade.hold_days <= trigger.lookback
//	trigger.rule == "donchian" or trigger.min_days_since_high > 0
//	len(trade.targets) == 1 and trade.trailing_stop < 0.3
//
// The language is deliberately tiny and cannot run code: numbers, quoted
// strings, true/false, config keys (dotted paths), len(list key), the
// arithmetic + - * /, the comparisons < <= > >= == !=, and/or/not (also
// && || !) and parentheses. Types are checked when compiling: numbers
// compare with numbers, strings with strings (== and != only), booleans
// with booleans.
type Constraint struct {
	src  string
	root node
}

// String returns the source text.
func (c *Constraint) String() string { return c.src }

// Compile parses a constraint.
func Compile(src string) (*Constraint, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q at column %d", p.toks[p.pos].text, p.toks[p.pos].col)
	}
	if n.typ() != tBool {
		return nil, errors.New("the expression is not a comparison or a condition (true or false)")
	}
	return &Constraint{src: src, root: n}, nil
}

// Eval reports whether cfg satisfies the constraint; a constraint that
// cannot be evaluated (a division by zero) is not satisfied. Check says why.
func (c *Constraint) Eval(cfg *config.Config) bool {
	ok, err := c.Check(cfg)
	return ok && err == nil
}

// Check reports whether cfg satisfies the constraint, or an error when it
// cannot be evaluated for cfg: a division by zero (x / 0, 0 / 0) is an
// error naming the divisor, never true or false.
func (c *Constraint) Check(cfg *config.Config) (bool, error) {
	v := c.root.eval(reflect.ValueOf(cfg).Elem())
	if v.err != nil {
		return false, fmt.Errorf("constraint %q: %w", c.src, v.err)
	}
	return v.b, nil
}

type vtype int

const (
	tNum vtype = iota + 1
	tStr
	tBool
	tList
)

var typeNames = map[vtype]string{tNum: "a number", tStr: "a string", tBool: "true or false", tList: "a list"}

type value struct {
	f   float64
	s   string
	b   bool
	err error // the expression cannot be evaluated (division by zero)
}

type node interface {
	typ() vtype
	eval(cfg reflect.Value) value
}

type constNode struct {
	t vtype
	v value
}

func (n constNode) typ() vtype               { return n.t }
func (n constNode) eval(reflect.Value) value { return n.v }

type keyNode struct {
	key   string
	t     vtype
	index []int
	isLen bool
}

func (n keyNode) typ() vtype {
	if n.isLen {
		return tNum
	}
	return n.t
}

func (n keyNode) eval(cfg reflect.Value) value {
	f := cfg.FieldByIndex(n.index)
	if n.isLen {
		return value{f: float64(f.Len())}
	}
	switch f.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return value{f: float64(f.Int())}
	case reflect.Uint, reflect.Uint64, reflect.Uint32:
		return value{f: float64(f.Uint())}
	case reflect.Float64:
		return value{f: f.Float()}
	case reflect.String:
		return value{s: f.String()}
	case reflect.Bool:
		return value{b: f.Bool()}
	}
	return value{}
}

type unaryNode struct {
	op string
	x  node
}

func (n unaryNode) typ() vtype {
	if n.op == "not" {
		return tBool
	}
	return tNum
}

func (n unaryNode) eval(cfg reflect.Value) value {
	v := n.x.eval(cfg)
	if v.err != nil {
		return v
	}
	if n.op == "not" {
		return value{b: !v.b}
	}
	return value{f: -v.f}
}

type binNode struct {
	op   string
	l, r node
}

func (n binNode) typ() vtype {
	switch n.op {
	case "+", "-", "*", "/":
		return tNum
	}
	return tBool
}

func (n binNode) eval(cfg reflect.Value) value {
	l := n.l.eval(cfg)
	if l.err != nil {
		return l
	}
	switch n.op {
	case "and":
		if !l.b {
			return value{}
		}
		return n.r.eval(cfg)
	case "or":
		if l.b {
			return value{b: true}
		}
		return n.r.eval(cfg)
	}
	r := n.r.eval(cfg)
	if r.err != nil {
		return r
	}
	switch n.op {
	case "+":
		return value{f: l.f + r.f}
	case "-":
		return value{f: l.f - r.f}
	case "*":
		return value{f: l.f * r.f}
	case "/":
		if r.f == 0 {
			what := "the divisor"
			if k, ok := n.r.(keyNode); ok {
				what = k.key
				if k.isLen {
					what = "len(" + k.key + ")"
				}
			}
			return value{err: fmt.Errorf("division by zero (%s is 0); write %s != 0 and (...) to exclude those trials", what, what)}
		}
		return value{f: l.f / r.f}
	}
	var c int // comparison of l and r by the operand type
	switch n.l.typ() {
	case tNum:
		switch {
		case l.f < r.f:
			c = -1
		case l.f > r.f:
			c = 1
		case l.f != r.f: // NaN
			return value{b: n.op == "!="}
		}
	case tStr:
		c = strings.Compare(l.s, r.s)
	case tBool:
		if l.b != r.b {
			c = 1
		}
	}
	switch n.op {
	case "<":
		return value{b: c < 0}
	case "<=":
		return value{b: c <= 0}
	case ">":
		return value{b: c > 0}
	case ">=":
		return value{b: c >= 0}
	case "==":
		return value{b: c == 0}
	case "!=":
		return value{b: c != 0}
	}
	return value{}
}

type token struct {
	kind byte // 'n' number, 's' string, 'i' identifier or key, 'o' operator
	text string
	col  int
}

func lex(src string) ([]token, error) {
	var out []token
	rs := []rune(src)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case unicode.IsDigit(c) || c == '.' && i+1 < len(rs) && unicode.IsDigit(rs[i+1]):
			j := i
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.' || rs[j] == 'e' || rs[j] == 'E' ||
				(rs[j] == '-' || rs[j] == '+') && j > i && (rs[j-1] == 'e' || rs[j-1] == 'E')) {
				j++
			}
			out = append(out, token{'n', string(rs[i:j]), i + 1})
			i = j
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(rs) && rs[j] != c {
				j++
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("unterminated string at column %d", i+1)
			}
			out = append(out, token{'s', string(rs[i+1 : j]), i + 1})
			i = j + 1
		case unicode.IsLetter(c) || c == '_':
			j := i
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '_' || rs[j] == '.') {
				j++
			}
			out = append(out, token{'i', string(rs[i:j]), i + 1})
			i = j
		default:
			two := ""
			if i+1 < len(rs) {
				two = string(rs[i : i+2])
			}
			switch two {
			case "<=", ">=", "==", "!=", "&&", "||":
				out = append(out, token{'o', two, i + 1})
				i += 2
				continue
			}
			if strings.ContainsRune("<>+-*/()!", c) {
				out = append(out, token{'o', string(c), i + 1})
				i++
				continue
			}
			if c == '=' {
				return nil, fmt.Errorf("'=' at column %d: write == to compare", i+1)
			}
			return nil, fmt.Errorf("unexpected character %q at column %d", c, i+1)
		}
	}
	return out, nil
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

// accept consumes the next token if it is one of the operators or words.
func (p *parser) accept(ops ...string) (string, bool) {
	t, ok := p.peek()
	if !ok || t.kind == 'n' || t.kind == 's' {
		return "", false
	}
	for _, o := range ops {
		if t.text == o {
			p.pos++
			return o, true
		}
	}
	return "", false
}

func (p *parser) or() (node, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for {
		if _, ok := p.accept("or", "||"); !ok {
			return l, nil
		}
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		if l.typ() != tBool || r.typ() != tBool {
			return nil, errors.New("'or' joins conditions (comparisons), not values")
		}
		l = binNode{"or", l, r}
	}
}

func (p *parser) and() (node, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for {
		if _, ok := p.accept("and", "&&"); !ok {
			return l, nil
		}
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		if l.typ() != tBool || r.typ() != tBool {
			return nil, errors.New("'and' joins conditions (comparisons), not values")
		}
		l = binNode{"and", l, r}
	}
}

func (p *parser) not() (node, error) {
	if _, ok := p.accept("not", "!"); ok {
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		if x.typ() != tBool {
			return nil, errors.New("'not' applies to a condition, not a value")
		}
		return unaryNode{"not", x}, nil
	}
	return p.cmp()
}

func (p *parser) cmp() (node, error) {
	l, err := p.sum()
	if err != nil {
		return nil, err
	}
	op, ok := p.accept("<", "<=", ">", ">=", "==", "!=")
	if !ok {
		return l, nil
	}
	r, err := p.sum()
	if err != nil {
		return nil, err
	}
	lt, rt := l.typ(), r.typ()
	if lt == tList || rt == tList {
		return nil, errors.New("a list key cannot be compared; compare len(key) instead")
	}
	if lt != rt {
		return nil, fmt.Errorf("'%s' compares %s with %s", op, typeNames[lt], typeNames[rt])
	}
	if lt != tNum && op != "==" && op != "!=" {
		return nil, fmt.Errorf("'%s' needs numbers; %s compare with == and != only", op, typeNames[lt])
	}
	if _, again := p.accept("<", "<=", ">", ">=", "==", "!="); again {
		return nil, errors.New("chained comparisons are not supported; join them with 'and'")
	}
	return binNode{op, l, r}, nil
}

func (p *parser) sum() (node, error) {
	l, err := p.prod()
	if err != nil {
		return nil, err
	}
	for {
		op, ok := p.accept("+", "-")
		if !ok {
			return l, nil
		}
		r, err := p.prod()
		if err != nil {
			return nil, err
		}
		if l.typ() != tNum || r.typ() != tNum {
			return nil, fmt.Errorf("'%s' needs numbers", op)
		}
		l = binNode{op, l, r}
	}
}

func (p *parser) prod() (node, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		op, ok := p.accept("*", "/")
		if !ok {
			return l, nil
		}
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		if l.typ() != tNum || r.typ() != tNum {
			return nil, fmt.Errorf("'%s' needs numbers", op)
		}
		l = binNode{op, l, r}
	}
}

func (p *parser) unary() (node, error) {
	if _, ok := p.accept("-"); ok {
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		if x.typ() != tNum {
			return nil, errors.New("'-' needs a number")
		}
		return unaryNode{"-", x}, nil
	}
	return p.primary()
}

func (p *parser) primary() (node, error) {
	t, ok := p.peek()
	if !ok {
		return nil, errors.New("the expression ends too early")
	}
	p.pos++
	switch t.kind {
	case 'n':
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, fmt.Errorf("%q at column %d is not a number", t.text, t.col)
		}
		return constNode{tNum, value{f: f}}, nil
	case 's':
		return constNode{tStr, value{s: t.text}}, nil
	case 'o':
		if t.text == "(" {
			n, err := p.or()
			if err != nil {
				return nil, err
			}
			if _, ok := p.accept(")"); !ok {
				return nil, fmt.Errorf("missing ')' for '(' at column %d", t.col)
			}
			return n, nil
		}
		return nil, fmt.Errorf("unexpected %q at column %d", t.text, t.col)
	}
	switch t.text {
	case "true", "false":
		return constNode{tBool, value{b: t.text == "true"}}, nil
	case "len":
		if _, ok := p.accept("("); !ok {
			return nil, fmt.Errorf("len at column %d: write len(key)", t.col)
		}
		kt, ok := p.peek()
		if !ok || kt.kind != 'i' {
			return nil, fmt.Errorf("len at column %d needs a list key, e.g. len(trade.targets)", t.col)
		}
		p.pos++
		k, err := lookupKey(kt.text)
		if err != nil {
			return nil, err
		}
		if k.t != tList {
			return nil, fmt.Errorf("len(%s): %s is not a list", kt.text, kt.text)
		}
		if _, ok := p.accept(")"); !ok {
			return nil, fmt.Errorf("missing ')' after len(%s", kt.text)
		}
		k.isLen = true
		return k, nil
	}
	return lookupKey(t.text)
}

// lookupKey resolves a dotted config key to its field by the mapstructure
// tags of config.Config.
func lookupKey(key string) (keyNode, error) {
	k := strings.ToLower(key)
	t := reflect.TypeFor[config.Config]()
	var index []int
	parts := strings.Split(k, ".")
	for pi, part := range parts {
		found := false
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
			if tag != part {
				continue
			}
			index = append(index, i)
			t = f.Type
			found = true
			break
		}
		if !found || (t.Kind() == reflect.Struct) != (pi < len(parts)-1) {
			msg := fmt.Sprintf("%q is not a run config key", key)
			if s := config.Suggest(k); s != "" {
				msg += "; did you mean " + s + "?"
			}
			return keyNode{}, errors.New(msg)
		}
	}
	n := keyNode{key: k, index: index}
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64, reflect.Uint32, reflect.Float64:
		n.t = tNum
	case reflect.String:
		n.t = tStr
	case reflect.Bool:
		n.t = tBool
	case reflect.Slice:
		n.t = tList
	default:
		return keyNode{}, fmt.Errorf("%s cannot be used in a constraint", key)
	}
	return n, nil
}
