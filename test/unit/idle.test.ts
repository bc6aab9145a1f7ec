import { describe, expect, it } from 'vitest'
import {
  formatIdleDuration,
  IDLE_STOP_EXIT_CODE,
  idleStoppedFor,
  parseIdleDuration,
} from '../../src/containers/idle.js'

describe('idle stop durations', () => {
  it.each([
    ['0', 0],
    ['30m', 1800],
    ['1h30m', 5400],
    ['90s', 90],
    ['2h', 7200],
    [' 5s ', 5],
    ['1h0m5s', 3605],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseIdleDuration(text)).toBe(seconds)
  })

  it.each(['', 'soon', '30', '5 m', '-5m', '1d', 'm', '1.5h', '31000h'])('refuses %j', (text) => {
    expect(() => parseIdleDuration(text, 'idle.stopAfter')).toThrow(/^idle\.stopAfter /)
  })

  it.each([0, 5, 59, 60, 61, 1800, 3600, 5400, 86_399])(
    'formats %i seconds back to what parses to it',
    (s) => {
      expect(parseIdleDuration(formatIdleDuration(s))).toBe(s)
    },
  )
})

describe('an agent its watcher stopped, as docker ps says it', () => {
  it.each([
    [`Exited (${IDLE_STOP_EXIT_CODE}) 31 minutes ago`, '31m'],
    [`Exited (${IDLE_STOP_EXIT_CODE}) About an hour ago`, '1h'],
    [`Exited (${IDLE_STOP_EXIT_CODE}) 5 seconds ago`, '5s'],
    [`Exited (${IDLE_STOP_EXIT_CODE}) 2 days ago`, '2d'],
    [`Exited (${IDLE_STOP_EXIT_CODE}) 3 months ago`, '3mo'],
    ['Exited (143) 31 minutes ago', undefined],
    ['Exited (0) 2 hours ago', undefined],
    ['Up 3 minutes (healthy)', undefined],
  ])('%s → %s', (status, shown) => {
    expect(idleStoppedFor(status)).toBe(shown)
  })
})
